//! Citus's rules, checked offline: what `create_distributed_table`, `create_reference_table` and
//! constraint creation on a Citus cluster would reject, as located errors.
//!
//! Input: the resolved [`Model`]. Output: diagnostics E209 (`distribution:` without
//! `target: citus`), E203/E204 (unknown co-location table or distribution column), E315 (a key
//! without the distribution column), E316 (a foreign key Citus rejects), E317 (an invalid
//! co-location), E320 (a table Citus cannot distribute that way), E322 (a subquery in a
//! policy of a distributed, reference or Citus local table, found on the parsed fragment) and E345 (a policy
//! of a distributed table that calls a model function whose body reads a distributed or
//! reference table: the calls from the parsed clause, the tables from the body's tokens,
//! `sqlfrag::body`). Invariants: each rule here
//! was checked against a real Citus 13 server (tests/citus.rs applies a model breaking each one
//! and expects the server to refuse it too); linear in tables + constraints + policies.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::citus::{Distribution, Kind, Target, colocation_roots, distribution_column, kind};
use crate::ir::{FkAction, FnKey, Model, QName, Sp, Table};
use crate::load::decode::did_you_mean;
use crate::load::yaml::fragment_span;
use crate::source::{SourceMap, Span};

/// Types without a default hash operator class: Citus cannot hash-distribute by them.
const UNHASHABLE: &[&str] = &[
    "json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle",
];

fn dist_span(model: &Model, t: &Table) -> Span {
    model
        .distribution_spans
        .get(&t.name)
        .copied()
        .unwrap_or(t.origin)
}

/// Run every Citus check (each table's foreign keys once; which local tables are Citus local
/// tables is worked out once, for the policy and foreign-key rules).
pub fn check(model: &Model, sources: &SourceMap, d: &mut Diagnostics) {
    if model.target != Target::Citus {
        for t in model.tables.values().filter(|t| t.distribution.is_some()) {
            d.push(
                Diagnostic::error(
                    Code::CitusTargetRequired,
                    format!(
                        "table `{}` has a `distribution:`, but the model does not target Citus",
                        t.name.name
                    ),
                )
                .at(
                    dist_span(model, t),
                    "only a Citus cluster distributes tables",
                )
                .help(
                    "add `target: citus` at the top level of the model, or remove `distribution:`",
                ),
            );
        }
        return;
    }
    let roots = colocation_roots(model);
    let mut readers = PolicyFunctions::default();
    let citus_local = citus_local_tables(model);
    for t in model.tables.values() {
        distribution_checks(model, t, d);
        key_checks(t, d);
        policy_subqueries(sources, t, citus_local.contains(&t.name), d);
        policy_functions(model, &mut readers, t, d);
        for (i, _) in t.foreign_keys.iter().enumerate() {
            foreign_key_check(model, &roots, &citus_local, t, i, d);
        }
    }
}

fn distribution_checks(model: &Model, t: &Table, d: &mut Diagnostics) {
    let span = dist_span(model, t);
    match &t.distribution {
        None => {}
        Some(Distribution::Reference) if t.partition.is_some() => {
            d.push(
                    Diagnostic::error(
                        Code::CitusCannotDistribute,
                        format!("table `{}` is partitioned and cannot be a reference table", t.name.name),
                    )
                    .at(span, "Citus replicates only plain tables")
                    .help("hash-distribute the partitioned table (`distribution: { column: … }`), or keep it local"),
                );
        }
        Some(Distribution::Reference) => {}
        Some(Distribution::Hash {
            column,
            colocate_with,
            colocate_target,
            shard_count,
        }) => {
            let Some(col) = t.columns.get(&column.value) else {
                let hint = did_you_mean(&column.value, t.columns.keys().map(String::as_str));
                d.push(
                    Diagnostic::error(
                        Code::UnknownColumn,
                        format!(
                            "the distribution column `{}` is not a column of table `{}`{hint}",
                            column.value, t.name.name
                        ),
                    )
                    .at(column.span, "no such column")
                    .help(format!(
                        "use one of the columns declared under `{}`",
                        t.name.name
                    )),
                );
                return;
            };
            let ty = col.type_sql.as_str();
            if col.generated.is_some() {
                d.push(
                    Diagnostic::error(
                        Code::CitusCannotDistribute,
                        format!(
                            "table `{}` cannot be distributed by the generated column `{}`",
                            t.name.name, column.value
                        ),
                    )
                    .at(
                        column.span,
                        "Citus refuses a GENERATED … STORED distribution column",
                    )
                    .help("distribute by a stored column the application writes"),
                );
            }
            if UNHASHABLE.contains(&ty) {
                d.push(
                    Diagnostic::error(
                        Code::CitusCannotDistribute,
                        format!(
                            "table `{}` cannot be distributed by `{}`: type `{ty}` has no hash function",
                            t.name.name, column.value
                        ),
                    )
                    .at(column.span, "Citus hashes the distribution column")
                    .help("distribute by a column of a hashable type (uuid, bigint, text, …)"),
                );
            }
            if let (Some(w), Some(target)) = (colocate_with, colocate_target) {
                colocation_check(model, t, ty, w, target, shard_count.as_ref(), d);
            }
        }
    }
}

fn colocation_check(
    model: &Model,
    t: &Table,
    ty: &str,
    written: &Sp<String>,
    target: &QName,
    shard_count: Option<&Sp<u32>>,
    d: &mut Diagnostics,
) {
    let Some(other) = model.tables.get(target) else {
        let hint = did_you_mean(&written.value, model.tables.keys().map(|q| q.name.as_str()));
        d.push(
            Diagnostic::error(
                Code::UnknownTable,
                format!(
                    "`colocate_with: {}` names a table the model does not have{hint}",
                    written.value
                ),
            )
            .at(written.span, "no such table")
            .help("co-locate with a hash-distributed table of the model"),
        );
        return;
    };
    if target == &t.name {
        d.push(
            Diagnostic::error(
                Code::CitusColocation,
                format!("table `{}` co-locates with itself", t.name.name),
            )
            .at(written.span, "a table cannot join its own group")
            .help("remove `colocate_with:` to start a group, or name another distributed table"),
        );
        return;
    }
    let Some(other_col) = distribution_column(other) else {
        d.push(
            Diagnostic::error(
                Code::CitusColocation,
                format!(
                    "table `{}` co-locates with `{}`, which is a {} table",
                    t.name.name,
                    other.name.name,
                    kind(other).word()
                ),
            )
            .at(written.span, "only hash-distributed tables form co-location groups")
            .help(format!(
                "give `{}` a `distribution: {{ column: … }}`, or co-locate with another distributed table",
                other.name.name
            )),
        );
        return;
    };
    if let Some(oc) = other.columns.get(other_col)
        && oc.type_sql != ty
    {
        d.push(
            Diagnostic::error(
                Code::CitusColocation,
                format!(
                    "table `{}` (distributed by `{ty}`) cannot co-locate with `{}` (distributed by `{}`)",
                    t.name.name, other.name.name, oc.type_sql
                ),
            )
            .at(written.span, "co-located tables need the same distribution column type")
            .help("give both distribution columns the same type"),
        );
    }
    if let Some(sc) = shard_count {
        d.push(
            Diagnostic::error(
                Code::CitusColocation,
                format!(
                    "table `{}` sets `shard_count` and `colocate_with` together",
                    t.name.name
                ),
            )
            .at(sc.span, "a co-located table has its group's shard count")
            .also(written.span, "joins this table's group")
            .help(format!(
                "remove `shard_count:` here; set it on the group's first table (`{}`)",
                other.name.name
            )),
        );
    }
}

/// The local tables Citus turns into *Citus local tables* (tables in its metadata that stay on
/// the coordinator): those with a foreign key to a reference table, and those a reference table
/// points at. One pass over the foreign keys.
fn citus_local_tables(model: &Model) -> BTreeSet<QName> {
    let mut out = BTreeSet::new();
    let is = |q: &QName, k: Kind| model.tables.get(q).is_some_and(|t| kind(t) == k);
    for t in model.tables.values() {
        for fk in &t.foreign_keys {
            if kind(t) == Kind::Local && is(&fk.target, Kind::Reference) {
                out.insert(t.name.clone());
            }
            if kind(t) == Kind::Reference && is(&fk.target, Kind::Local) {
                out.insert(fk.target.clone());
            }
        }
    }
    out
}

/// Citus 13 refuses any subquery (scalar, `exists`, `in (select …)`, `array(select …)`, the
/// `(select auth.uid())` wrapper too) in a policy of a hash-distributed, reference or Citus
/// local table (`citus_local`: a local table linked to a reference table by a foreign key), at
/// `CREATE POLICY` / `ALTER POLICY` and when a table with such a policy is distributed. The
/// fragment is parsed here (a syntax error is reported by the fragment checks, not again).
fn policy_subqueries(sources: &SourceMap, t: &Table, citus_local: bool, d: &mut Diagnostics) {
    if (t.distribution.is_none() && !citus_local) || t.policies.is_empty() {
        return;
    }
    let what = if citus_local {
        "Citus local"
    } else {
        kind(t).word()
    };
    for p in t.policies.values() {
        for (clause, value) in [("using", &p.using), ("with_check", &p.with_check)] {
            let Some(value) = value else { continue };
            let Ok(expr) = crate::sqlfrag::parse_expr(&value.value) else {
                continue;
            };
            let found = crate::sqlfrag::facts::subqueries(&expr, &value.value);
            let Some(first) = found.first() else { continue };
            let mut diag = Diagnostic::error(
                Code::CitusPolicySubquery,
                format!(
                    "policy `{}` of {what} table `{}` has a subquery in its `{clause}`, which Citus refuses",
                    p.name, t.name.name
                ),
            )
            .at(
                fragment_span(sources, value, *first),
                "Citus refuses subqueries in policies of distributed, reference and Citus local tables",
            );
            for more in found.iter().skip(1) {
                diag = diag.also(fragment_span(sources, value, *more), "another subquery");
            }
            d.push(diag.help(if citus_local {
                "call the function directly (`auth.uid()`, not `(select auth.uid())`); to check another table, keep the value to compare in a column of this table, or drop the foreign key that links it to a reference table (it then stays a plain local table)"
            } else {
                "call the function directly (`auth.uid()`, not `(select auth.uid())`); to check another table, keep the value to compare in a column of this table (such as the tenant column) or make this table local"
            }));
        }
    }
}

/// For each model function (each overload) a policy calls, the first distributed or reference
/// table its body names (computed once per function).
#[derive(Default)]
struct PolicyFunctions {
    reads: BTreeMap<FnKey, Option<(QName, &'static str)>>,
}

impl PolicyFunctions {
    /// The first distributed or reference table the body of `f` reads or writes, with its kind.
    fn reads(&mut self, model: &Model, f: &crate::ir::Function) -> Option<(QName, &'static str)> {
        let key = FnKey::of(f);
        if let Some(found) = self.reads.get(&key) {
            return found.clone();
        }
        let found = if matches!(f.language.as_str(), "sql" | "plpgsql") {
            crate::sqlfrag::body::relations(&f.body.value)
                .into_iter()
                .find_map(|(schema, name)| {
                    let schemas: Vec<String> = match (schema, &f.search_path) {
                        (Some(s), _) => vec![s],
                        (None, Some(path)) => path.clone(),
                        (None, None) => vec![model.default_schema.clone()],
                    };
                    schemas.into_iter().find_map(|schema| {
                        let q = QName {
                            schema,
                            name: name.clone(),
                        };
                        let t = model.tables.get(&q)?;
                        match kind(t) {
                            Kind::Distributed => Some((q, "distributed")),
                            Kind::Reference => Some((q, "reference")),
                            Kind::Local => None,
                        }
                    })
                })
        } else {
            None
        };
        self.reads.insert(key, found.clone());
        found
    }
}

/// Citus 13 runs a distributed table's policy on each shard; a function it calls that queries a
/// distributed or reference table is then a distributed query from a shard, which Citus refuses
/// on every query of the table (`cannot execute a distributed query from a query on a shard`;
/// for a `language: sql` function with arguments, `could not create distributed plan`). Checked
/// on the functions the policy calls directly; their bodies' tables come from their tokens, so
/// dynamic SQL (`EXECUTE`) and functions they call in turn are not followed.
fn policy_functions(model: &Model, readers: &mut PolicyFunctions, t: &Table, d: &mut Diagnostics) {
    if kind(t) != Kind::Distributed || t.policies.is_empty() {
        return;
    }
    for p in t.policies.values() {
        for (clause, value) in [("using", &p.using), ("with_check", &p.with_check)] {
            let Some(value) = value else { continue };
            let Ok(expr) = crate::sqlfrag::parse_expr(&value.value) else {
                continue;
            };
            let mut seen = Vec::new();
            for (schema, name) in crate::sqlfrag::volatility::called_functions(&expr) {
                let schema = schema.unwrap_or_else(|| model.default_schema.clone());
                for f in model.functions_named(&QName { schema, name }) {
                    // Every overload of the name once (a call's overload is not resolved).
                    let key = FnKey::of(f);
                    if seen.contains(&key) {
                        continue;
                    }
                    let label = model.function_label(&key);
                    seen.push(key);
                    let Some((table, what)) = readers.reads(model, f) else {
                        continue;
                    };
                    d.push(
                        Diagnostic::error(
                            Code::CitusPolicyFunctionReadsTable,
                            format!(
                                "policy `{}` of distributed table `{}` calls `{}`, which reads {what} table `{table}`: Citus fails every query on `{}`",
                                p.name, t.name.name, label, t.name.name
                            ),
                        )
                        .at(value.span, format!("`{clause}` calls `{}`", f.name.name))
                        .also(f.body.span, format!("reads `{table}`"))
                        .help(
                            "compare the row's columns with a setting instead (`org_id = current_setting('app.org_id')::uuid`), or keep what the function looks up in a column of this table",
                        ),
                    );
                }
            }
        }
    }
}

/// PRIMARY KEY, UNIQUE and unique indexes of a distributed table must include its distribution
/// column, and its EXCLUDE constraints must compare it with `=` (each shard enforces them alone).
fn key_checks(t: &Table, d: &mut Diagnostics) {
    let Some(col) = distribution_column(t) else {
        return;
    };
    let mut missing = |what: String, span: Span| {
        d.push(
            Diagnostic::error(
                Code::CitusKeyWithoutDistributionColumn,
                format!(
                    "{what} of distributed table `{}` does not include its distribution column `{col}`",
                    t.name.name
                ),
            )
            .at(span, "each shard can only enforce this within itself")
            .help(format!(
                "add `{col}` to the key (for example `[{col}, id]`), or make the table a reference table"
            )),
        );
    };
    if let Some(pk) = &t.primary_key
        && !pk.columns.iter().any(|c| c.value == col)
    {
        missing("the primary key".to_string(), pk.origin);
    }
    for u in &t.uniques {
        if !u.columns.iter().any(|c| c.value == col) {
            missing("a unique constraint".to_string(), u.origin);
        }
    }
    for ix in t.indexes.iter().filter(|ix| ix.unique) {
        if !ix
            .keys
            .iter()
            .any(|k| !k.expression && k.target.value == col)
        {
            missing(format!("unique index `{}`", ix.name.value), ix.origin);
        }
    }
    // An exclusion constraint needs the distribution column compared with `=` (Citus).
    for x in &t.excludes {
        if !x
            .elements
            .iter()
            .any(|e| !e.expression && e.target.value == col && e.with.value == "=")
        {
            d.push(
                Diagnostic::error(
                    Code::CitusKeyWithoutDistributionColumn,
                    format!(
                        "exclusion constraint `{}` of distributed table `{}` does not compare its distribution column `{col}` with `=`",
                        x.name.value, t.name.name
                    ),
                )
                .at(x.origin, "each shard can only enforce this within itself")
                .help(format!(
                    "add `{{ column: {col}, with: \"=\" }}` to its elements, or make the table a reference table"
                )),
            );
        }
    }
}

fn foreign_key_check(
    model: &Model,
    roots: &BTreeMap<QName, QName>,
    citus_local: &BTreeSet<QName>,
    t: &Table,
    i: usize,
    d: &mut Diagnostics,
) {
    let Some(fk) = t.foreign_keys.get(i) else {
        return;
    };
    let Some(target) = model.tables.get(&fk.target) else {
        return;
    };
    let (from, to) = (kind(t), kind(target));
    let reject = |d: &mut Diagnostics, why: &str, help: String| {
        d.push(
            Diagnostic::error(
                Code::CitusForeignKey,
                format!(
                    "Citus rejects the foreign key `{}` from {} table `{}` to {} table `{}`",
                    fk.name.value,
                    from.word(),
                    t.name.name,
                    to.word(),
                    target.name.name
                ),
            )
            .at(fk.origin, why.to_string())
            .help(help),
        );
    };
    match (from, to) {
        (Kind::Distributed, Kind::Distributed) => {
            if roots.get(&t.name) != roots.get(&target.name) {
                reject(
                    d,
                    "the two tables are not co-located",
                    format!(
                        "add `colocate_with: {}` to the distribution of `{}` (same distribution column type)",
                        target.name.name, t.name.name
                    ),
                );
                return;
            }
            let (Some(fc), Some(tc)) = (distribution_column(t), distribution_column(target)) else {
                return;
            };
            let pairs_dist = fk
                .columns
                .iter()
                .zip(&fk.target_columns)
                .any(|(a, b)| a.value == fc && b.value == tc);
            if !pairs_dist {
                reject(
                    d,
                    "it must map the distribution column to the target's distribution column",
                    format!(
                        "include `{fc}` → `{tc}` in the key (`columns: [{fc}, …]`, `references: {{ table: {}, columns: [{tc}, …] }}`), and make the target's key include `{tc}`",
                        target.name.name
                    ),
                );
                return;
            }
            let sets_dist_null = matches!(fk.on_delete, FkAction::SetNull | FkAction::SetDefault);
            if sets_dist_null {
                reject(
                    d,
                    "ON DELETE SET NULL / SET DEFAULT would change the distribution column",
                    "use `on_delete: cascade`, `restrict` or `no_action`".to_string(),
                );
            }
            if fk.on_update != FkAction::NoAction && fk.on_update != FkAction::Restrict {
                reject(
                    d,
                    "ON UPDATE actions would change the distribution column",
                    "remove `on_update:` (the distribution column is never updated)".to_string(),
                );
            }
        }
        (Kind::Distributed, Kind::Reference) | (Kind::Reference, Kind::Reference) => {}
        (Kind::Distributed, Kind::Local) => reject(
            d,
            "a distributed table can only point at co-located or reference tables",
            format!(
                "make `{}` a reference table (`distribution: reference`) or distribute it in the same co-location group",
                target.name.name
            ),
        ),
        (Kind::Reference, Kind::Distributed) => reject(
            d,
            "a reference table is on every node, the target only in shards",
            format!(
                "make `{}` a reference table, or distribute `{}` too",
                target.name.name, t.name.name
            ),
        ),
        // Citus 13 accepts a plain local table pointing at a distributed table, but not once
        // the local table is linked to a reference table by a foreign key either way (it is then
        // a "Citus local table").
        (Kind::Local, Kind::Distributed) => {
            if citus_local.contains(&t.name) {
                reject(
                    d,
                    "a local table linked to a reference table cannot also point at a distributed table",
                    format!(
                        "distribute `{}` in the group of `{}`, or drop one of its links",
                        t.name.name, target.name.name
                    ),
                );
            }
        }
        (Kind::Reference, Kind::Local)
        | (Kind::Local, Kind::Reference)
        | (Kind::Local, Kind::Local) => {}
    }
}
