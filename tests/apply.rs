//! Integration tests on a real PostgreSQL: every fixture model (and the root `schema.yaml`)
//! compiles to a migration that applies; the catalog read back matches the MODEL object by object
//! (found by walking the IR, not by comparing with hand-written expectations), and nothing else
//! exists in the model's schemas; the down migration returns the catalog to what it was before;
//! the up migration applies again. The root schema's RLS policies are exercised as the Supabase
//! client roles, and a fixture full of awkward text checks that bodies and comments survive.

// Helpers outside #[test] fns panic with readable messages, like the tests themselves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::{Path, PathBuf};

use postgres::error::SqlState;
use schemac::diagnostics::report::{Style, human};
use schemac::ir::{
    Deferrable, FkAction, Identity, Index, Model, NullsOrder, PartitionBound, Preset, Privileges,
    QName, SortOrder, TriggerTiming,
};
use support::{TestDb, quote_ident};

// ---------------------------------------------------------------------------
// Compiling a fixture
// ---------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_path(file: &str) -> PathBuf {
    if file == "schema.yaml" {
        root().join(file)
    } else {
        root().join("tests/fixtures/models").join(file)
    }
}

struct Generated {
    model: Model,
    up: String,
    down: String,
}

fn generate(path: &Path) -> Generated {
    let compiled = schemac::compile(path);
    if !compiled.ok() {
        let diags = compiled.diagnostics.sorted();
        panic!(
            "{} does not compile:\n{}",
            path.display(),
            human(&diags, &compiled.sources, Style::Plain, 100)
        );
    }
    let migration = schemac::plan::initial(&compiled.model);
    let (up, down) = schemac::render::Renderer::new(None)
        .migration("0001_init", &migration)
        .unwrap_or_else(|e| panic!("{}: render failed: {e}", path.display()));
    Generated {
        model: compiled.model,
        up,
        down,
    }
}

/// The schemas the model owns objects in (plus `public` and the default schema).
fn model_schemas(m: &Model) -> Vec<String> {
    let mut s: BTreeSet<String> = schemac::verify::owned_schemas(m).into_iter().collect();
    s.insert("public".to_string());
    s.into_iter().collect()
}

/// Schemas of tables the model puts triggers on without owning them (`auth` for `auth.users`).
fn external_schemas(m: &Model) -> Vec<String> {
    let s: BTreeSet<String> = m
        .external_triggers
        .iter()
        .map(|t| t.table.schema.clone())
        .collect();
    s.into_iter().collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `schema.name` quoted for `to_regclass`/`to_regtype`.
fn regname(q: &QName) -> String {
    format!("{}.{}", quote_ident(&q.schema), quote_ident(&q.name))
}

fn table_privileges_of(word: &str) -> Vec<String> {
    match word.to_ascii_lowercase().as_str() {
        "all" => [
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "TRUNCATE",
            "REFERENCES",
            "TRIGGER",
        ]
        .iter()
        .map(ToString::to_string)
        .collect(),
        other => vec![other.to_ascii_uppercase()],
    }
}

fn function_privileges_of(word: &str) -> Vec<String> {
    match word.to_ascii_lowercase().as_str() {
        "all" => vec!["EXECUTE".to_string()],
        other => vec![other.to_ascii_uppercase()],
    }
}

fn grantee(role: &str) -> String {
    if role.eq_ignore_ascii_case("public") {
        "PUBLIC".to_string()
    } else {
        role.to_string()
    }
}

// ---------------------------------------------------------------------------
// Mismatch collection: every difference is reported, not just the first.
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Mismatches(Vec<String>);

impl Mismatches {
    fn eq<T: PartialEq + Debug>(&mut self, what: impl AsRef<str>, expected: T, actual: T) {
        if expected != actual {
            self.0.push(format!(
                "{}: model says {expected:?}, database has {actual:?}",
                what.as_ref()
            ));
        }
    }

    fn check(&mut self, ok: bool, what: impl AsRef<str>) {
        if !ok {
            self.0.push(what.as_ref().to_string());
        }
    }

    fn finish(self, label: &str) {
        assert!(
            self.0.is_empty(),
            "{label}: the catalog does not match the model ({} mismatches):\n  - {}",
            self.0.len(),
            self.0.join("\n  - ")
        );
    }
}

// ---------------------------------------------------------------------------
// Model ⇄ catalog
// ---------------------------------------------------------------------------

/// Walk the IR and compare every object with the catalog; then check that the model's schemas
/// hold nothing the model does not declare.
fn check_catalog(db: &mut TestDb, m: &Model, label: &str) {
    let schemas_owned = model_schemas(m);
    let schemas = strs(&schemas_owned);
    let mut mm = Mismatches::default();

    let tables = db.tables(&schemas);
    let columns = db.columns(&schemas);
    let policies = db.policies(&schemas);
    let triggers = db.triggers(&schemas);
    let functions = db.functions(&schemas);
    let views = db.views(&schemas);
    let enums = db.enums(&schemas);
    let indexes = db.indexes(&schemas);

    // ----- schemas, roles, extensions
    let present = db.schemas(&schemas);
    for s in m.schemas.values() {
        mm.check(
            present.contains(&s.name),
            format!("schema {} is missing", s.name),
        );
        let comment: Option<String> = db
            .client
            .query_one(
                "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = $1",
                &[&s.name],
            )
            .map(|r| r.get(0))
            .unwrap_or(None);
        mm.eq(
            format!("comment on schema {}", s.name),
            s.description.clone(),
            comment,
        );
    }
    for r in m.roles.keys() {
        let n: i64 = db
            .client
            .query_one("select count(*) from pg_roles where rolname = $1", &[r])
            .unwrap()
            .get(0);
        mm.eq(format!("role {r} exists"), 1, n);
    }
    let exts = db.extensions();
    for e in m.extensions.values() {
        match exts.iter().find(|x| x.name == e.name) {
            None => mm.check(false, format!("extension {} is not installed", e.name)),
            Some(x) => {
                if let Some(s) = &e.schema {
                    mm.eq(format!("schema of extension {}", e.name), s, &x.schema);
                }
            }
        }
    }

    // ----- enums
    for e in m.enums.values() {
        let what = format!("enum {}", e.name);
        match enums
            .iter()
            .find(|x| x.schema == e.name.schema && x.name == e.name.name)
        {
            None => mm.check(false, format!("{what} is missing")),
            Some(x) => {
                let labels: Vec<String> = e.values.iter().map(|v| v.value.clone()).collect();
                mm.eq(format!("labels of {what}"), &labels, &x.labels);
            }
        }
        let comment: Option<String> = db
            .client
            .query_one(
                "select obj_description(to_regtype($1), 'pg_type')",
                &[&regname(&e.name)],
            )
            .unwrap()
            .get(0);
        mm.eq(format!("comment on {what}"), e.description.clone(), comment);
    }

    // ----- functions
    for f in m.functions.values() {
        let what = format!("function {}", f.name);
        let Some(info) = functions
            .iter()
            .find(|x| x.schema == f.name.schema && x.name == f.name.name)
        else {
            mm.check(false, format!("{what} is missing"));
            continue;
        };
        mm.eq(
            format!("SECURITY DEFINER of {what}"),
            f.security_definer,
            info.security_definer,
        );
        mm.eq(
            format!("volatility of {what}"),
            f.volatility.chars().next().map(|c| c.to_string()),
            Some(info.volatility.clone()),
        );
        mm.eq(format!("language of {what}"), &f.language, &info.language);
        let sp: Vec<&String> = info
            .config
            .iter()
            .filter(|c| c.starts_with("search_path="))
            .collect();
        match &f.search_path {
            None => mm.eq(
                format!("search_path setting of {what}"),
                Vec::<&String>::new(),
                sp,
            ),
            Some(path) if path.is_empty() => mm.eq(
                format!("search_path setting of {what}"),
                vec![&"search_path=\"\"".to_string()],
                sp,
            ),
            Some(path) => {
                mm.eq(format!("search_path settings of {what}"), 1, sp.len());
                for s in path {
                    mm.check(
                        sp.iter().any(|c| c.contains(s.as_str())),
                        format!("search_path of {what} lacks {s}: {sp:?}"),
                    );
                }
            }
        }
        let row = db
            .client
            .query_one(
                "select p.prosrc, p.proisstrict, p.proleakproof, p.proparallel::text,
                        obj_description(p.oid, 'pg_proc')
                   from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = $1 and p.proname = $2",
                &[&f.name.schema, &f.name.name],
            )
            .unwrap();
        let prosrc: String = row.get(0);
        mm.eq(format!("body (prosrc) of {what}"), &f.body.value, &prosrc);
        mm.eq(format!("STRICT of {what}"), f.strict, row.get::<_, bool>(1));
        mm.eq(
            format!("LEAKPROOF of {what}"),
            f.leakproof,
            row.get::<_, bool>(2),
        );
        let parallel = match f.parallel.as_deref() {
            Some("safe") => "s",
            Some("restricted") => "r",
            _ => "u",
        };
        mm.eq(
            format!("PARALLEL of {what}"),
            parallel.to_string(),
            row.get::<_, String>(3),
        );
        mm.eq(
            format!("comment on {what}"),
            f.description.clone(),
            row.get::<_, Option<String>>(4),
        );
        let signature = format!("{}({})", f.name.name, info.identity_args);
        check_privileges(
            db,
            &mut mm,
            &what,
            &f.name.schema,
            &signature,
            &f.grants,
            &f.revokes,
            true,
        );
    }

    // ----- tables
    for t in m.tables.values() {
        let what = format!("table {}", t.name);
        let Some(info) = tables
            .iter()
            .find(|x| x.schema == t.name.schema && x.name == t.name.name)
        else {
            mm.check(false, format!("{what} is missing"));
            continue;
        };
        let relkind = if t.partition.is_some() { "p" } else { "r" };
        mm.eq(
            format!("relkind of {what}"),
            relkind.to_string(),
            info.relkind.clone(),
        );
        mm.eq(
            format!("partition parent of {what}"),
            None,
            info.partition_of.clone(),
        );
        mm.eq(
            format!("RLS enabled on {what}"),
            t.rls.enabled,
            info.rls_enabled,
        );
        mm.eq(
            format!("RLS forced on {what}"),
            t.rls.force,
            info.rls_forced,
        );
        mm.eq(
            format!("comment on {what}"),
            t.description.clone(),
            info.comment.clone(),
        );

        // columns, in declaration order, and no others
        let cols: Vec<&support::ColumnInfo> = columns
            .iter()
            .filter(|c| c.schema == t.name.schema && c.table == t.name.name)
            .collect();
        mm.eq(
            format!("columns of {what}, in order"),
            t.columns.keys().cloned().collect::<Vec<_>>(),
            cols.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        );
        for c in t.columns.values() {
            let cw = format!("column {}.{}", t.name, c.name);
            let Some(ci) = cols.iter().find(|x| x.name == c.name) else {
                continue;
            };
            mm.eq(format!("type of {cw}"), &c.type_sql, &ci.data_type);
            mm.eq(format!("NOT NULL of {cw}"), !c.nullable, ci.not_null);
            let identity = match c.identity {
                None => "",
                Some(Identity::Always) => "a",
                Some(Identity::ByDefault) => "d",
            };
            mm.eq(
                format!("identity of {cw}"),
                identity.to_string(),
                ci.identity.clone(),
            );
            mm.eq(
                format!("GENERATED ... STORED of {cw}"),
                if c.generated.is_some() { "s" } else { "" }.to_string(),
                ci.generated.clone(),
            );
            mm.eq(
                format!("default (or generation expression) present on {cw}"),
                c.default.is_some() || c.generated.is_some(),
                ci.default.is_some(),
            );
            mm.eq(
                format!("comment on {cw}"),
                c.description.clone(),
                ci.comment.clone(),
            );
        }

        // partitions
        if let Some(p) = &t.partition {
            let key = info.partition_key.clone().unwrap_or_default();
            mm.check(
                key.starts_with(&format!("{} (", p.by.to_ascii_uppercase())),
                format!("partition key of {what} is `{key}`, model says by {}", p.by),
            );
            for c in &p.columns {
                mm.check(
                    key.contains(c.value.as_str()),
                    format!(
                        "partition key of {what} is `{key}`, lacks column {}",
                        c.value
                    ),
                );
            }
            let key_type = p
                .columns
                .first()
                .and_then(|c| t.columns.get(&c.value))
                .map(|c| c.type_sql.clone())
                .unwrap_or_default();
            for part in p.partitions.values() {
                let pw = format!("partition {} of {what}", part.name);
                let Some(pi) = tables
                    .iter()
                    .find(|x| x.schema == part.name.schema && x.name == part.name.name)
                else {
                    mm.check(false, format!("{pw} is missing"));
                    continue;
                };
                mm.eq(format!("relkind of {pw}"), "r", pi.relkind.as_str());
                mm.eq(
                    format!("parent of {pw}"),
                    Some(format!("{}.{}", t.name.schema, t.name.name)),
                    pi.partition_of.clone(),
                );
                let bound = pi.partition_bound.clone().unwrap_or_default();
                let single_key = p.columns.len() == 1;
                check_bound(db, &mut mm, &pw, &part.bound, &bound, &key_type, single_key);
            }
        }

        // constraints
        let mut expected: BTreeMap<String, &str> = BTreeMap::new();
        if let Some(pk) = &t.primary_key {
            expected.insert(pk.name.clone(), "p");
        }
        for u in &t.uniques {
            expected.insert(u.name.value.clone(), "u");
        }
        for c in &t.checks {
            expected.insert(c.name.value.clone(), "c");
        }
        for fk in &t.foreign_keys {
            expected.insert(fk.name.value.clone(), "f");
        }
        let rows = db
            .client
            .query(
                "select co.conname::text, co.contype::text,
                        array(select a.attname::text
                                from unnest(co.conkey) with ordinality k(n, o)
                                join pg_attribute a on a.attrelid = co.conrelid and a.attnum = k.n
                               order by k.o),
                        coalesce((select rn.nspname::text || '.' || rc.relname::text
                                    from pg_class rc join pg_namespace rn on rn.oid = rc.relnamespace
                                   where rc.oid = co.confrelid), ''),
                        array(select a.attname::text
                                from unnest(co.confkey) with ordinality k(n, o)
                                join pg_attribute a on a.attrelid = co.confrelid and a.attnum = k.n
                               order by k.o),
                        co.confdeltype::text, co.confupdtype::text,
                        co.condeferrable, co.condeferred,
                        pg_get_constraintdef(co.oid)
                   from pg_constraint co
                  where co.conrelid = to_regclass($1) and co.conparentid = 0",
                &[&regname(&t.name)],
            )
            .unwrap();
        type ConRow = (
            String,
            Vec<String>,
            String,
            Vec<String>,
            String,
            String,
            bool,
            bool,
            String,
        );
        let cons: BTreeMap<String, ConRow> = rows
            .iter()
            .map(|r| {
                (
                    r.get::<_, String>(0),
                    (
                        r.get(1),
                        r.get(2),
                        r.get(3),
                        r.get(4),
                        r.get(5),
                        r.get(6),
                        r.get(7),
                        r.get(8),
                        r.get(9),
                    ),
                )
            })
            .collect();
        mm.eq(
            format!("constraint names and kinds on {what}"),
            expected
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect::<Vec<_>>(),
            cons.iter()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect::<Vec<_>>(),
        );
        let names = |v: &[schemac::ir::Sp<String>]| -> Vec<String> {
            v.iter().map(|c| c.value.clone()).collect()
        };
        if let Some(pk) = &t.primary_key
            && let Some(c) = cons.get(&pk.name)
        {
            mm.eq(
                format!("columns of primary key {}", pk.name),
                names(&pk.columns),
                c.1.clone(),
            );
        }
        for u in &t.uniques {
            if let Some(c) = cons.get(&u.name.value) {
                mm.eq(
                    format!("columns of unique {}", u.name.value),
                    names(&u.columns),
                    c.1.clone(),
                );
                mm.eq(
                    format!("NULLS NOT DISTINCT of unique {}", u.name.value),
                    !u.nulls_distinct,
                    c.8.contains("NULLS NOT DISTINCT"),
                );
            }
        }
        for ch in &t.checks {
            if let (Some(col), Some(c)) = (&ch.column, cons.get(&ch.name.value)) {
                mm.check(
                    c.1.contains(col),
                    format!(
                        "check {} is declared on column {col} but reads {:?}",
                        ch.name.value, c.1
                    ),
                );
            }
        }
        for fk in &t.foreign_keys {
            let Some(c) = cons.get(&fk.name.value) else {
                continue;
            };
            let fw = format!("foreign key {} on {what}", fk.name.value);
            mm.eq(format!("columns of {fw}"), names(&fk.columns), c.1.clone());
            mm.eq(
                format!("target of {fw}"),
                format!("{}.{}", fk.target.schema, fk.target.name),
                c.2.clone(),
            );
            mm.eq(
                format!("target columns of {fw}"),
                names(&fk.target_columns),
                c.3.clone(),
            );
            let action = |a: FkAction| match a {
                FkAction::NoAction => "a",
                FkAction::Restrict => "r",
                FkAction::Cascade => "c",
                FkAction::SetNull => "n",
                FkAction::SetDefault => "d",
            };
            mm.eq(
                format!("ON DELETE of {fw}"),
                action(fk.on_delete).to_string(),
                c.4.clone(),
            );
            mm.eq(
                format!("ON UPDATE of {fw}"),
                action(fk.on_update).to_string(),
                c.5.clone(),
            );
            let (deferrable, deferred) = match fk.deferrable {
                Deferrable::No => (false, false),
                Deferrable::InitiallyImmediate => (true, false),
                Deferrable::InitiallyDeferred => (true, true),
            };
            mm.eq(format!("DEFERRABLE of {fw}"), deferrable, c.6);
            mm.eq(format!("INITIALLY DEFERRED of {fw}"), deferred, c.7);
        }

        // indexes: the declared ones plus those backing pk/unique constraints, nothing else
        check_indexes(db, &mut mm, &what, &t.name, &t.indexes);
        let mut expected_ix: BTreeSet<String> =
            t.indexes.iter().map(|i| i.name.value.clone()).collect();
        expected_ix.extend(t.primary_key.iter().map(|p| p.name.clone()));
        expected_ix.extend(t.uniques.iter().map(|u| u.name.value.clone()));
        let actual_ix: BTreeSet<String> = indexes
            .iter()
            .filter(|i| i.schema == t.name.schema && i.table == t.name.name)
            .map(|i| i.name.clone())
            .collect();
        mm.eq(format!("index names on {what}"), expected_ix, actual_ix);

        // policies
        let pols: Vec<&support::PolicyInfo> = policies
            .iter()
            .filter(|p| p.schema == t.name.schema && p.table == t.name.name)
            .collect();
        mm.eq(
            format!("policy names on {what}"),
            t.policies.keys().cloned().collect::<BTreeSet<_>>(),
            pols.iter().map(|p| p.name.clone()).collect::<BTreeSet<_>>(),
        );
        for p in t.policies.values() {
            let pw = format!("policy {} on {what}", p.name);
            let Some(pi) = pols.iter().find(|x| x.name == p.name) else {
                continue;
            };
            mm.eq(
                format!("command of {pw}"),
                p.command.sql(),
                pi.command.as_str(),
            );
            mm.eq(
                format!("PERMISSIVE/RESTRICTIVE of {pw}"),
                if p.permissive {
                    "PERMISSIVE"
                } else {
                    "RESTRICTIVE"
                },
                pi.permissive.as_str(),
            );
            // no roles in the model means the default, PUBLIC
            let mut roles: Vec<String> = p.roles.iter().map(|r| r.value.clone()).collect();
            if roles.is_empty() {
                roles.push("public".to_string());
            }
            roles.sort();
            mm.eq(format!("roles of {pw}"), roles, pi.roles.clone());
            mm.eq(
                format!("USING present on {pw}"),
                p.using.is_some(),
                pi.using.is_some(),
            );
            mm.eq(
                format!("WITH CHECK present on {pw}"),
                p.with_check.is_some(),
                pi.with_check.is_some(),
            );
            let comment: Option<String> = db
                .client
                .query_one(
                    "select obj_description(p.oid, 'pg_policy') from pg_policy p
                      where p.polrelid = to_regclass($1) and p.polname = $2",
                    &[&regname(&t.name), &p.name],
                )
                .unwrap()
                .get(0);
            mm.eq(format!("comment on {pw}"), p.why.clone(), comment);
        }

        // triggers
        let trs: Vec<&support::TriggerInfo> = triggers
            .iter()
            .filter(|x| x.schema == t.name.schema && x.table == t.name.name)
            .collect();
        mm.eq(
            format!("trigger names on {what}"),
            t.triggers.keys().cloned().collect::<BTreeSet<_>>(),
            trs.iter().map(|x| x.name.clone()).collect::<BTreeSet<_>>(),
        );
        for tr in t.triggers.values() {
            check_trigger(db, &mut mm, tr, &triggers);
        }

        // privileges and publication
        check_privileges(
            db,
            &mut mm,
            &what,
            &t.name.schema,
            &t.name.name,
            &t.grants,
            &t.revokes,
            false,
        );
    }

    // ----- triggers on tables the model does not own
    let ext = external_schemas(m);
    let ext_triggers = db.triggers(&strs(&ext));
    for tr in &m.external_triggers {
        check_trigger(db, &mut mm, tr, &ext_triggers);
    }
    let expected_ext: BTreeSet<(String, String, String)> = m
        .external_triggers
        .iter()
        .map(|t| (t.table.schema.clone(), t.table.name.clone(), t.name.clone()))
        .collect();
    let tables_with_ext: BTreeSet<(String, String)> = m
        .external_triggers
        .iter()
        .map(|t| (t.table.schema.clone(), t.table.name.clone()))
        .collect();
    let actual_ext: BTreeSet<(String, String, String)> = ext_triggers
        .iter()
        .filter(|x| tables_with_ext.contains(&(x.schema.clone(), x.table.clone())))
        .map(|x| (x.schema.clone(), x.table.clone(), x.name.clone()))
        .collect();
    mm.eq(
        "triggers on tables the model does not own",
        expected_ext,
        actual_ext,
    );

    // ----- views
    for v in m.views.values() {
        let what = format!(
            "{} {}",
            if v.materialized {
                "materialized view"
            } else {
                "view"
            },
            v.name
        );
        let Some(vi) = views
            .iter()
            .find(|x| x.schema == v.name.schema && x.name == v.name.name)
        else {
            mm.check(false, format!("{what} is missing"));
            continue;
        };
        mm.eq(
            format!("relkind of {what}"),
            if v.materialized { "m" } else { "v" },
            vi.relkind.as_str(),
        );
        mm.eq(
            format!("security_invoker of {what}"),
            v.security_invoker && !v.materialized,
            vi.options.iter().any(|o| o == "security_invoker=true"),
        );
        let comment: Option<String> = db
            .client
            .query_one(
                "select obj_description(to_regclass($1), 'pg_class')",
                &[&regname(&v.name)],
            )
            .unwrap()
            .get(0);
        mm.eq(format!("comment on {what}"), v.description.clone(), comment);
        check_indexes(db, &mut mm, &what, &v.name, &v.indexes);
        let expected_ix: BTreeSet<String> =
            v.indexes.iter().map(|i| i.name.value.clone()).collect();
        let actual_ix: BTreeSet<String> = indexes
            .iter()
            .filter(|i| i.schema == v.name.schema && i.table == v.name.name)
            .map(|i| i.name.clone())
            .collect();
        mm.eq(format!("index names on {what}"), expected_ix, actual_ix);
        check_privileges(
            db,
            &mut mm,
            &what,
            &v.name.schema,
            &v.name.name,
            &v.grants,
            &v.revokes,
            false,
        );
    }

    // ----- realtime publication
    let published: BTreeSet<(String, String)> = if m.preset == Preset::Supabase {
        db.publication_tables(&schemas)
            .into_iter()
            .filter(|p| p.publication == "supabase_realtime")
            .map(|p| (p.schema, p.table))
            .collect()
    } else {
        BTreeSet::new()
    };
    mm.eq(
        "tables in the supabase_realtime publication",
        m.tables
            .values()
            .filter(|t| t.realtime)
            .map(|t| (t.name.schema.clone(), t.name.name.clone()))
            .collect::<BTreeSet<_>>(),
        published,
    );

    // ----- the reverse: nothing in the model's schemas that the model does not declare
    let mut declared_tables: BTreeSet<(String, String)> = BTreeSet::new();
    for t in m.tables.values() {
        declared_tables.insert((t.name.schema.clone(), t.name.name.clone()));
        for p in t.partition.iter().flat_map(|p| p.partitions.values()) {
            declared_tables.insert((p.name.schema.clone(), p.name.name.clone()));
        }
    }
    mm.eq(
        "tables in the model's schemas",
        declared_tables.clone(),
        tables
            .iter()
            .map(|t| (t.schema.clone(), t.name.clone()))
            .collect(),
    );
    let rel = |q: &QName| (q.schema.clone(), q.name.clone());
    mm.eq(
        "views in the model's schemas",
        m.views.keys().map(rel).collect::<BTreeSet<_>>(),
        views
            .iter()
            .map(|v| (v.schema.clone(), v.name.clone()))
            .collect(),
    );
    mm.eq(
        "functions in the model's schemas",
        m.functions
            .keys()
            .map(|k| rel(&k.name))
            .collect::<BTreeSet<_>>(),
        functions
            .iter()
            .map(|f| (f.schema.clone(), f.name.clone()))
            .collect(),
    );
    mm.eq(
        "enums in the model's schemas",
        m.enums.keys().map(rel).collect::<BTreeSet<_>>(),
        enums
            .iter()
            .map(|e| (e.schema.clone(), e.name.clone()))
            .collect(),
    );
    let owned_relations: BTreeSet<(String, String)> =
        m.tables.keys().chain(m.views.keys()).map(rel).collect();
    let stray_indexes: Vec<String> = indexes
        .iter()
        .filter(|i| {
            let key = (i.schema.clone(), i.table.clone());
            // partitions carry copies of their parent's indexes, named by PostgreSQL
            !owned_relations.contains(&key) && !declared_tables.contains(&key)
        })
        .map(|i| format!("{}.{}", i.schema, i.name))
        .collect();
    mm.eq(
        "indexes on relations the model does not declare",
        Vec::<String>::new(),
        stray_indexes,
    );
    let stray_policies: Vec<String> = policies
        .iter()
        .filter(|p| !owned_relations.contains(&(p.schema.clone(), p.table.clone())))
        .map(|p| format!("{}.{}.{}", p.schema, p.table, p.name))
        .collect();
    mm.eq(
        "policies on tables the model does not declare",
        Vec::<String>::new(),
        stray_policies,
    );
    let stray_triggers: Vec<String> = triggers
        .iter()
        .filter(|t| !owned_relations.contains(&(t.schema.clone(), t.table.clone())))
        .map(|t| format!("{}.{}.{}", t.schema, t.table, t.name))
        .collect();
    mm.eq(
        "triggers on tables the model does not declare",
        Vec::<String>::new(),
        stray_triggers,
    );

    mm.finish(label);
}

/// Compare a partition bound: hash and default exactly, range and list by letting PostgreSQL
/// compare the values (it normalises literals, e.g. timestamps to the session time zone).
fn check_bound(
    db: &mut TestDb,
    mm: &mut Mismatches,
    what: &str,
    model: &PartitionBound,
    actual: &str,
    key_type: &str,
    single_key: bool,
) {
    let same = |db: &mut TestDb, sql: String| -> bool {
        match db.client.query_one(sql.as_str(), &[]) {
            Ok(r) => r.get::<_, Option<bool>>(0).unwrap_or(false),
            Err(e) => panic!(
                "{what}: {sql}: {}",
                support::format_pg_error(&e, Some(&sql))
            ),
        }
    };
    match model {
        PartitionBound::Default => mm.eq(format!("bound of {what}"), "DEFAULT", actual),
        PartitionBound::Hash { modulus, remainder } => mm.eq(
            format!("bound of {what}"),
            format!("FOR VALUES WITH (modulus {modulus}, remainder {remainder})"),
            actual.to_string(),
        ),
        PartitionBound::Range { from, to } => {
            let parsed = actual
                .strip_prefix("FOR VALUES FROM (")
                .and_then(|r| r.strip_suffix(')'))
                .and_then(|r| r.split_once(") TO ("));
            let Some((lo, hi)) = parsed else {
                mm.check(
                    false,
                    format!("bound of {what} is `{actual}`, model says a range"),
                );
                return;
            };
            if !single_key {
                return;
            }
            for (label, cat, mine) in [("FROM", lo, from), ("TO", hi, to)] {
                let mine = mine.join(", ");
                let ok = if ["minvalue", "maxvalue"].contains(&cat.to_ascii_lowercase().as_str()) {
                    cat.eq_ignore_ascii_case(mine.trim())
                } else {
                    same(
                        db,
                        format!("select ({cat})::{key_type} = ({mine})::{key_type}"),
                    )
                };
                mm.check(
                    ok,
                    format!("{label} bound of {what}: database has `{cat}`, model says `{mine}`"),
                );
            }
        }
        PartitionBound::List { values } => {
            let Some(inner) = actual
                .strip_prefix("FOR VALUES IN (")
                .and_then(|r| r.strip_suffix(')'))
            else {
                mm.check(
                    false,
                    format!("bound of {what} is `{actual}`, model says a list"),
                );
                return;
            };
            if !single_key {
                return;
            }
            let sorted = |list: &str| {
                format!("array(select x from unnest(array[{list}]::{key_type}[]) x order by x)")
            };
            let ok = same(
                db,
                format!("select {} = {}", sorted(inner), sorted(&values.join(", "))),
            );
            mm.check(
                ok,
                format!("bound of {what}: database has `{actual}`, model says IN {values:?}"),
            );
        }
    }
}

/// Each declared index: unique flag, access method, key columns/expressions then INCLUDE
/// columns in order, DESC/NULLS FIRST per key, opclass, predicate, NULLS NOT DISTINCT, comment.
fn check_indexes(db: &mut TestDb, mm: &mut Mismatches, what: &str, rel: &QName, ixs: &[Index]) {
    for ix in ixs {
        let iw = format!("index {} on {what}", ix.name.value);
        let qname = QName::new(rel.schema.clone(), ix.name.value.clone());
        let row = db
            .client
            .query_opt(
                "select i.indisunique, i.indnullsnotdistinct, i.indpred is not null,
                        i.indnkeyatts::int4,
                        array(select coalesce(a.attname::text, '')
                                from unnest(i.indkey::int2[]) with ordinality k(n, o)
                                left join pg_attribute a
                                       on a.attrelid = i.indrelid and a.attnum = k.n and k.n <> 0
                               order by k.o),
                        array(select (k.f & 3)::int4
                                from unnest(i.indoption::int2[]) with ordinality k(f, o)
                               order by k.o),
                        am.amname::text, pg_get_indexdef(i.indexrelid),
                        t.oid = to_regclass($2),
                        obj_description(i.indexrelid, 'pg_class')
                   from pg_index i
                   join pg_class ic on ic.oid = i.indexrelid
                   join pg_am am on am.oid = ic.relam
                   join pg_class t on t.oid = i.indrelid
                  where i.indexrelid = to_regclass($1)",
                &[&regname(&qname), &regname(rel)],
            )
            .unwrap();
        let Some(row) = row else {
            mm.check(false, format!("{iw} is missing"));
            continue;
        };
        mm.check(
            row.get::<_, bool>(8),
            format!("{iw} is on another relation"),
        );
        mm.eq(format!("UNIQUE of {iw}"), ix.unique, row.get::<_, bool>(0));
        mm.eq(
            format!("NULLS NOT DISTINCT of {iw}"),
            ix.nulls_not_distinct,
            row.get::<_, bool>(1),
        );
        mm.eq(
            format!("WHERE present on {iw}"),
            ix.predicate.is_some(),
            row.get::<_, bool>(2),
        );
        mm.eq(
            format!("number of key columns of {iw}"),
            ix.keys.len() as i32,
            row.get::<_, i32>(3),
        );
        let mut cols: Vec<String> = ix
            .keys
            .iter()
            .map(|k| {
                if k.expression {
                    String::new()
                } else {
                    k.target.value.clone()
                }
            })
            .collect();
        cols.extend(ix.include.iter().map(|c| c.value.clone()));
        mm.eq(
            format!("key and INCLUDE columns of {iw} ('' = expression)"),
            cols,
            row.get::<_, Vec<String>>(4),
        );
        let def: String = row.get(7);
        mm.eq(
            format!("access method of {iw}"),
            ix.method.as_str(),
            row.get::<_, String>(6).as_str(),
        );
        mm.check(
            def.contains(&format!("USING {} (", ix.method)),
            format!("definition of {iw} lacks `USING {}`: {def}", ix.method),
        );
        if ix.method == "btree" {
            let options: Vec<i32> = row.get(5);
            let expected: Vec<i32> = ix
                .keys
                .iter()
                .map(|k| {
                    let desc = k.order == Some(SortOrder::Desc);
                    let nulls_first = match k.nulls {
                        Some(NullsOrder::First) => true,
                        Some(NullsOrder::Last) => false,
                        None => desc,
                    };
                    i32::from(desc) | (i32::from(nulls_first) << 1)
                })
                .collect();
            mm.eq(
                format!("DESC / NULLS FIRST flags of {iw}"),
                expected,
                options.into_iter().take(ix.keys.len()).collect(),
            );
        }
        for k in &ix.keys {
            if let Some(op) = &k.opclass {
                mm.check(
                    def.contains(op.as_str()),
                    format!("definition of {iw} lacks operator class {op}: {def}"),
                );
            }
        }
        mm.eq(
            format!("comment on {iw}"),
            ix.why.clone(),
            row.get::<_, Option<String>>(9),
        );
    }
}

fn check_trigger(
    db: &mut TestDb,
    mm: &mut Mismatches,
    tr: &schemac::ir::Trigger,
    triggers: &[support::TriggerInfo],
) {
    let tw = format!("trigger {} on {}", tr.name, tr.table);
    let Some(ti) = triggers
        .iter()
        .find(|x| x.schema == tr.table.schema && x.table == tr.table.name && x.name == tr.name)
    else {
        mm.check(false, format!("{tw} is missing"));
        return;
    };
    let def = &ti.definition;
    let timing = match tr.timing {
        TriggerTiming::Before => " BEFORE ",
        TriggerTiming::After => " AFTER ",
        TriggerTiming::InsteadOf => " INSTEAD OF ",
    };
    mm.check(def.contains(timing), format!("{tw} is not{timing}: {def}"));
    for e in &tr.events {
        mm.check(
            def.contains(&e.to_ascii_uppercase()),
            format!("{tw} lacks event {e}: {def}"),
        );
    }
    mm.eq(
        format!("UPDATE OF present on {tw}"),
        !tr.of_columns.is_empty(),
        def.contains(" UPDATE OF "),
    );
    for c in &tr.of_columns {
        mm.check(
            def.contains(c.value.as_str()),
            format!("{tw} lacks UPDATE OF column {}: {def}", c.value),
        );
    }
    mm.check(
        def.contains(if tr.for_each_row {
            "FOR EACH ROW"
        } else {
            "FOR EACH STATEMENT"
        }),
        format!("{tw}: wrong FOR EACH: {def}"),
    );
    mm.eq(
        format!("WHEN present on {tw}"),
        tr.when.is_some(),
        def.contains(" WHEN ("),
    );
    let function: String = db
        .client
        .query_one(
            "select quote_ident($1) || '.' || quote_ident($2)",
            &[&tr.function.schema, &tr.function.name],
        )
        .unwrap()
        .get(0);
    mm.check(
        def.contains(&format!("EXECUTE FUNCTION {function}(")),
        format!("{tw} does not execute {function}: {def}"),
    );
    let row = db.client.query_one(
        "select t.tgnargs::int4, obj_description(t.oid, 'pg_trigger')
               from pg_trigger t where t.tgrelid = to_regclass($1) and t.tgname = $2",
        &[&regname(&tr.table), &tr.name],
    );
    match row {
        Ok(row) => {
            mm.eq(
                format!("number of arguments of {tw}"),
                tr.args.len() as i32,
                row.get::<_, i32>(0),
            );
            mm.eq(
                format!("comment on {tw}"),
                tr.description.clone(),
                row.get::<_, Option<String>>(1),
            );
        }
        Err(e) => panic!("{tw}: {}", support::format_pg_error(&e, None)),
    }
    for a in &tr.args {
        mm.check(
            def.contains(&support::quote_literal(a)),
            format!("{tw} lacks argument {a:?}: {def}"),
        );
    }
}

/// Granted privileges are held; revoked ones (unless also granted) are not.
#[allow(clippy::too_many_arguments)]
fn check_privileges(
    db: &mut TestDb,
    mm: &mut Mismatches,
    what: &str,
    schema: &str,
    object: &str,
    grants: &Privileges,
    revokes: &Privileges,
    function: bool,
) {
    let expand = |w: &String| {
        if function {
            function_privileges_of(w)
        } else {
            table_privileges_of(w)
        }
    };
    let roles: BTreeSet<&String> = grants.keys().chain(revokes.keys()).collect();
    for role in roles {
        let g = grantee(role);
        let held: BTreeSet<String> = if function {
            db.function_privileges(&[schema], &[g.as_str()])
        } else {
            db.table_privileges(&[schema], &[g.as_str()])
        }
        .into_iter()
        .filter(|p| p.object == object)
        .map(|p| p.privilege)
        .collect();
        let granted: BTreeSet<String> = grants
            .get(role)
            .into_iter()
            .flatten()
            .flat_map(expand)
            .collect();
        let revoked: BTreeSet<String> = revokes
            .get(role)
            .into_iter()
            .flatten()
            .flat_map(expand)
            .filter(|p| !granted.contains(p))
            .collect();
        let missing: Vec<&String> = granted.difference(&held).collect();
        mm.eq(
            format!("privileges granted to {g} on {what} but not held"),
            Vec::<&String>::new(),
            missing,
        );
        let kept: Vec<&String> = revoked.intersection(&held).collect();
        mm.eq(
            format!("privileges revoked from {g} on {what} but still held"),
            Vec::<&String>::new(),
            kept,
        );
    }
}

// ---------------------------------------------------------------------------
// The per-fixture scenario
// ---------------------------------------------------------------------------

/// Everything the down migration must restore, for the model's schemas and the tables it puts
/// triggers on.
fn catalog_state(db: &mut TestDb, m: &Model) -> String {
    let owned = model_schemas(m);
    let ext = external_schemas(m);
    let mut s = format!("## schemas\n{:?}\n", db.schemas(&strs(&owned)));
    s.push_str(&db.catalog_dump(&strs(&owned)));
    if !ext.is_empty() {
        s.push_str("## external triggers\n");
        for t in db.triggers(&strs(&ext)) {
            s.push_str(&format!("{t:?}\n"));
        }
    }
    s
}

fn setup(label: &str, m: &Model) -> TestDb {
    let mut db = TestDb::create(label);
    if m.auto_exposes() {
        db.apply_supabase_standin_auto_expose();
    } else if m.preset == Preset::Supabase {
        db.apply_supabase_standin();
    }
    db
}

fn run_fixture(file: &str) {
    let generated = generate(&fixture_path(file));
    let m = &generated.model;
    let label = file.trim_end_matches(".yaml");
    let mut db = setup(label, m);

    let before = catalog_state(&mut db, m);
    if let Err(e) = db.apply(&generated.up) {
        panic!("{file}: the up migration failed:\n{e}");
    }
    check_catalog(&mut db, m, &format!("{file} after up"));
    let after_up = catalog_state(&mut db, m);

    if let Err(e) = db.apply(&generated.down) {
        panic!("{file}: the down migration failed:\n{e}");
    }
    let after_down = catalog_state(&mut db, m);
    assert_eq!(
        before, after_down,
        "{file}: the down migration does not restore the catalog"
    );
    let owned = model_schemas(m);
    let owned = strs(&owned);
    let left = (
        db.tables(&owned),
        db.views(&owned),
        db.functions(&owned),
        db.enums(&owned),
    );
    assert!(
        left.0.is_empty() && left.1.is_empty() && left.2.is_empty() && left.3.is_empty(),
        "{file}: objects left after the down migration: {left:#?}"
    );

    if let Err(e) = db.apply(&generated.up) {
        panic!("{file}: the up migration failed after the down migration:\n{e}");
    }
    let again = catalog_state(&mut db, m);
    assert_eq!(
        after_up, again,
        "{file}: up → down → up does not converge to the same catalog"
    );
}

macro_rules! fixture_tests {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_fixture($file);
            }
        )*

        const FIXTURES: &[&str] = &[$($file),*];
    };
}

fixture_tests! {
    fixture_01_types => "01_types.yaml",
    fixture_02_constraints => "02_constraints.yaml",
    fixture_03_fk_graph => "03_fk_graph.yaml",
    fixture_04_indexes => "04_indexes.yaml",
    fixture_05_rls_postgres => "05_rls_postgres.yaml",
    fixture_06_supabase => "06_supabase.yaml",
    fixture_07_functions => "07_functions.yaml",
    fixture_08_views => "08_views.yaml",
    fixture_09_partitions => "09_partitions.yaml",
    fixture_10_quoting_unicode => "10_quoting_unicode.yaml",
    fixture_11_triggers => "11_triggers.yaml",
    fixture_12_text_survival => "12_text_survival.yaml",
    fixture_13_docs => "13_docs.yaml",
    fixture_14_membership_policies => "14_membership_policies.yaml",
    fixture_15_replication => "15_replication.yaml",
    root_schema => "schema.yaml",
}

#[test]
fn every_fixture_has_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/models"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let mut tested: Vec<String> = FIXTURES
        .iter()
        .filter(|f| **f != "schema.yaml")
        .map(ToString::to_string)
        .collect();
    tested.sort();
    assert_eq!(
        on_disk, tested,
        "add a fixture_tests! line for each fixture"
    );
}

// ---------------------------------------------------------------------------
// Text survival
// ---------------------------------------------------------------------------

#[test]
fn text_survives_byte_for_byte() {
    let file = "12_text_survival.yaml";
    let path = fixture_path(file);
    let yaml_text = std::fs::read_to_string(&path).unwrap();
    // Read the YAML with a parser that shares no code with schemac's loader (libyaml's, in Rust).
    let yaml: serde_json::Value = serde_norway::from_str(&yaml_text).unwrap();
    let yaml_str = |ptr: &str| -> String {
        yaml.pointer(ptr)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{file}: no string at {ptr}"))
            .to_string()
    };
    let body = yaml_str("/functions/survive/body");
    for needle in ["$$", "$body$", "''", "\\", "größe ✓", "  \n", "'"] {
        assert!(body.contains(needle), "the fixture body lost {needle:?}");
    }

    let generated = generate(&path);
    let mut db = setup("text_survival", &generated.model);
    db.apply(&generated.up).unwrap_or_else(|e| panic!("{e}"));

    for f in ["survive", "survive_sql"] {
        let expected = yaml_str(&format!("/functions/{f}/body"));
        let row = db
            .client
            .query_one(
                "select p.prosrc, obj_description(p.oid, 'pg_proc') from pg_proc p
                  where p.pronamespace = 'public'::regnamespace and p.proname = $1",
                &[&f],
            )
            .unwrap();
        assert_eq!(row.get::<_, String>(0), expected, "prosrc of {f}");
        // schemac trims trailing whitespace off descriptions (load/model.rs `description`);
        // everything else must arrive unchanged.
        let description = yaml_str(&format!("/functions/{f}/description"));
        assert_eq!(
            row.get::<_, Option<String>>(1).as_deref(),
            Some(description.trim_end()),
            "comment on function {f}"
        );
    }
    // The body does what it says: every literal kept its meaning.
    let out: String = db
        .client
        .query_one("select public.survive()", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        out,
        "it's|C:\\temp\\new|tab\there|dollar $$ and $body$ inside|✓"
    );
    let out: String = db
        .client
        .query_one("select public.survive_sql()", &[])
        .unwrap()
        .get(0);
    assert_eq!(out, "a$$b $$ \\n stays two characters");

    let comments = db
        .client
        .query_one(
            "select obj_description('public.notes'::regclass, 'pg_class'),
                    col_description('public.notes'::regclass, 2),
                    col_description('public.notes'::regclass, 1),
                    obj_description('public.tone'::regtype, 'pg_type'),
                    obj_description('public.notes_tone_idx'::regclass, 'pg_class'),
                    (select obj_description(oid, 'pg_policy') from pg_policy
                      where polrelid = 'public.notes'::regclass and polname = 'notes_all'),
                    array(select enumlabel::text from pg_enum
                           where enumtypid = 'public.tone'::regtype order by enumsortorder)",
            &[],
        )
        .unwrap();
    let pairs = [
        ("/tables/notes/description", 0, "comment on table notes"),
        (
            "/tables/notes/columns/body/description",
            1,
            "comment on column notes.body",
        ),
        (
            "/tables/notes/columns/id/description",
            2,
            "comment on column notes.id",
        ),
        ("/enums/tone/description", 3, "comment on type tone"),
        ("/tables/notes/indexes/0/why", 4, "comment on index"),
        (
            "/tables/notes/rls/policies/notes_all/why",
            5,
            "comment on policy",
        ),
    ];
    for (ptr, col, what) in pairs {
        let expected = yaml_str(ptr);
        assert_eq!(
            comments.get::<_, Option<String>>(col).as_deref(),
            Some(expected.trim_end()),
            "{what}"
        );
    }
    let labels: Vec<String> = yaml
        .pointer("/enums/tone/values")
        .and_then(|v| v.as_array())
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(comments.get::<_, Vec<String>>(6), labels, "labels of tone");
}

// ---------------------------------------------------------------------------
// RLS behaviour of the root schema (seed step 11)
// ---------------------------------------------------------------------------

const USER_A: &str = "00000000-0000-4000-8000-0000000000a1";
const USER_B: &str = "00000000-0000-4000-8000-0000000000b1";

/// Fixed ids of the rows each user owns: (profile, project, session, job, event).
fn ids(user: &str) -> [(&'static str, String); 5] {
    let tail = &user[user.len() - 2..];
    [
        ("profiles", user.to_string()),
        (
            "projects",
            format!("10000000-0000-4000-8000-0000000000{tail}"),
        ),
        (
            "coding_sessions",
            format!("20000000-0000-4000-8000-0000000000{tail}"),
        ),
        (
            "coding_jobs",
            format!("30000000-0000-4000-8000-0000000000{tail}"),
        ),
        (
            "session_events",
            format!("40000000-0000-4000-8000-0000000000{tail}"),
        ),
    ]
}

fn claims(user: &str) -> String {
    format!(r#"{{"sub":"{user}","role":"authenticated","aud":"authenticated"}}"#)
}

fn visible_ids(tx: &mut postgres::Transaction<'_>, table: &str) -> Vec<String> {
    tx.query_one(
        &format!(
            "select coalesce(array_agg(id::text order by id::text), '{{}}') from public.{table}"
        ),
        &[],
    )
    .unwrap()
    .get(0)
}

/// Run `sql` in a savepoint; Ok(rows affected) or Err(SQLSTATE, message).
fn try_exec(tx: &mut postgres::Transaction<'_>, sql: &str) -> Result<u64, (SqlState, String)> {
    let mut sp = tx.transaction().unwrap();
    let out = sp.execute(sql, &[]).map_err(|e| {
        let code = e.code().cloned().unwrap_or(SqlState::INTERNAL_ERROR);
        (code, support::format_pg_error(&e, Some(sql)))
    });
    sp.rollback().unwrap();
    out
}

#[test]
fn root_schema_rls_behaviour() {
    let generated = generate(&fixture_path("schema.yaml"));
    let mut db = setup("root_rls", &generated.model);
    db.apply(&generated.up).unwrap_or_else(|e| panic!("{e}"));

    // Sign-up: the on_auth_user_created trigger creates the profiles.
    db.apply_ok(&format!(
        "insert into auth.users (id, email, raw_user_meta_data) values
           ('{USER_A}', 'alice@example.com', '{{\"display_name\": \"Alice\"}}'),
           ('{USER_B}', 'bob@example.com', '{{}}')"
    ));
    let profiles = db.query_strings(
        "select id::text, email, display_name, tier, sessions_limit::text
           from public.profiles order by email",
    );
    assert_eq!(
        profiles,
        vec![
            vec![USER_A, "alice@example.com", "Alice", "free", "3"],
            vec![USER_B, "bob@example.com", "bob", "free", "3"],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(String::from).collect::<Vec<_>>())
        .collect::<Vec<_>>(),
        "on_auth_user_created must create one profile per auth user"
    );

    // As the owner (bypasses RLS): one project, session, job and event per user.
    for user in [USER_A, USER_B] {
        let [_, (_, project), (_, session), (_, job), (_, event)] = ids(user);
        db.apply_ok(&format!(
            "insert into public.projects (id, user_id, name) values ('{project}', '{user}', 'Project of {user}');
             insert into public.coding_sessions (id, user_id, project_id, initial_prompt, expires_at)
               values ('{session}', '{user}', '{project}', 'build me an app', now() + interval '1 hour');
             insert into public.coding_jobs (id, session_id, prompt) values ('{job}', '{session}', 'step 1');
             insert into public.session_events (id, session_id, event_type, data)
               values ('{event}', '{session}', 'thinking', '{{\"text\": \"hm\"}}');"
        ));
    }

    for (me, other) in [(USER_A, USER_B), (USER_B, USER_A)] {
        let mine = ids(me);
        let theirs = ids(other);
        db.as_role("authenticated", Some(&claims(me)), |tx| {
            for (table, id) in &mine {
                assert_eq!(
                    visible_ids(tx, table),
                    vec![id.clone()],
                    "{me} must see exactly their own row of {table}"
                );
            }
            let their_project = &theirs[1].1;
            let their_session = &theirs[2].1;
            let my_project = &mine[1].1;
            for sql in [
                format!("update public.projects set name = 'hijacked' where id = '{their_project}'"),
                format!("delete from public.projects where id = '{their_project}'"),
                format!("update public.coding_sessions set status = 'paused' where id = '{their_session}'"),
                format!("update public.profiles set display_name = 'hijacked' where id = '{other}'"),
            ] {
                assert_eq!(try_exec(tx, &sql), Ok(0), "{me}: {sql}");
            }
            // Positive controls: the same statements work on their own rows.
            assert_eq!(
                try_exec(tx, &format!("update public.projects set name = 'renamed' where id = '{my_project}'")),
                Ok(1)
            );
            assert_eq!(
                try_exec(tx, &format!("update public.profiles set display_name = 'Me' where id = '{me}'")),
                Ok(1)
            );
            assert_eq!(
                try_exec(tx, &format!("insert into public.projects (user_id, name) values ('{me}', 'mine')")),
                Ok(1)
            );
            // Inserting a project for someone else violates the WITH CHECK.
            let err = try_exec(
                tx,
                &format!("insert into public.projects (user_id, name) values ('{other}', 'not mine')"),
            )
            .unwrap_err();
            assert_eq!(err.0, SqlState::INSUFFICIENT_PRIVILEGE, "{err:?}");
            assert!(err.1.contains("row-level security"), "{}", err.1);
            // A session on someone else's project violates the subquery WITH CHECK.
            let err = try_exec(
                tx,
                &format!(
                    "insert into public.coding_sessions (user_id, project_id, initial_prompt, expires_at)
                     values ('{me}', '{their_project}', 'x', now())"
                ),
            )
            .unwrap_err();
            assert_eq!(err.0, SqlState::INSUFFICIENT_PRIVILEGE, "{err:?}");
            assert!(err.1.contains("row-level security"), "{}", err.1);
            // Billing columns are guarded by a trigger.
            let err = try_exec(tx, &format!("update public.profiles set tier = 'pro' where id = '{me}'"))
                .unwrap_err();
            assert_eq!(err.0, SqlState::INSUFFICIENT_PRIVILEGE, "{err:?}");
            // Jobs and events are written by the service role only.
            for sql in [
                format!("insert into public.coding_jobs (session_id, prompt) values ('{}', 'x')", mine[2].1),
                format!(
                    "insert into public.session_events (session_id, event_type) values ('{}', 'error')",
                    mine[2].1
                ),
            ] {
                let err = try_exec(tx, &sql).unwrap_err();
                assert_eq!(err.0, SqlState::INSUFFICIENT_PRIVILEGE, "{sql}: {err:?}");
            }
        });
    }

    // anon: permission denied, or nothing visible.
    db.as_role("anon", None, |tx| {
        for (table, _) in ids(USER_A) {
            let sql = format!("select count(*)::int4 from public.{table}");
            let mut sp = tx.transaction().unwrap();
            match sp.query_one(sql.as_str(), &[]) {
                Ok(row) => assert_eq!(row.get::<_, i32>(0), 0, "anon sees rows of {table}"),
                Err(e) => assert_eq!(
                    e.code(),
                    Some(&SqlState::INSUFFICIENT_PRIVILEGE),
                    "anon on {table}: {e}"
                ),
            }
            sp.rollback().unwrap();
        }
    });

    // service_role bypasses RLS.
    db.as_role("service_role", Some(r#"{"role":"service_role"}"#), |tx| {
        for (table, _) in ids(USER_A) {
            let mut all: Vec<String> = vec![
                ids(USER_A)
                    .into_iter()
                    .find(|(t, _)| *t == table)
                    .unwrap()
                    .1,
                ids(USER_B)
                    .into_iter()
                    .find(|(t, _)| *t == table)
                    .unwrap()
                    .1,
            ];
            all.sort();
            assert_eq!(visible_ids(tx, table), all, "service_role on {table}");
        }
    });
}

/// A carriage return inside user text (here a `\r\n` written as a YAML escape) is part of the
/// function body and the comment; it must reach the catalog unchanged.
#[test]
fn carriage_returns_in_user_text_survive() {
    let yaml = "version: 1\nfunctions:\n  crlf:\n    returns: text\n    language: sql\n    \
                description: \"line one\\r\\nline two\"\n    body: \"select 'a\\r\\nb'\\r\\n\"\n";
    let compiled = schemac::compile_sources(&[("crlf.yaml".to_string(), yaml.to_string())]);
    assert!(compiled.ok(), "the model does not compile");
    let f = compiled.model.functions.values().next().unwrap();
    assert_eq!(
        f.body.value, "select 'a\r\nb'\r\n",
        "the loader changed the body"
    );
    let migration = schemac::plan::initial(&compiled.model);
    let (up, _) = schemac::render::Renderer::new(None)
        .migration("0001_init", &migration)
        .unwrap();
    let mut db = TestDb::create("crlf");
    db.apply(&up).unwrap_or_else(|e| panic!("{e}"));
    let row = db
        .client
        .query_one(
            "select p.prosrc, obj_description(p.oid, 'pg_proc'), public.crlf()
               from pg_proc p where p.oid = 'public.crlf()'::regprocedure",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), f.body.value, "prosrc of crlf()");
    assert_eq!(
        row.get::<_, Option<String>>(1),
        f.description.clone(),
        "comment on crlf()"
    );
    assert_eq!(row.get::<_, String>(2), "a\r\nb", "result of crlf()");
}

/// A unique constraint that repeats the primary key (or another unique constraint) is folded
/// away by `CREATE TABLE`: the server keeps one constraint. schemac refuses such a model (E321)
/// and writes nothing, so no migration ever asks for a constraint PostgreSQL does not create.
#[test]
fn a_unique_constraint_postgresql_folds_away_is_refused() {
    let mut db = TestDb::create("folded_unique");
    db.apply_ok(
        "create table public.t (id bigint, a text, b text,
           constraint t_pkey primary key (id), constraint t_id_key unique (id),
           constraint t_a_b_key unique (a, b), constraint t_a_b_key1 unique (a, b))",
    );
    let names = db.query_strings(
        "select conname::text from pg_constraint where conrelid = 'public.t'::regclass order by 1",
    );
    assert_eq!(names, vec![vec!["t_a_b_key"], vec!["t_pkey"]]);
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("schema.yaml");
    std::fs::write(
        &model,
        "version: 1\ntables:\n  t:\n    columns:\n      id: { type: bigint, primary_key: true, unique: true }\n      a: text\n      b: text\n    unique:\n      - [a, b]\n      - [a, b]\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("generated");
    let out = support::schemac(&[
        "build",
        "--schema",
        model.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--docs",
        tmp.path().join("DATABASE.md").to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.matches("E321").count(), 2, "{}", out.stderr);
    assert!(!out_dir.join("migrations").exists());
}
