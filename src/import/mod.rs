//! Import: a database catalog → an idiomatic `schema.yaml`, and a ledger of what it leaves out.
//!
//! Input: a [`Catalog`] read with `search_path = ''` (see [`crate::introspect`]), the objects the
//! model has no section for ([`OtherInfo`]) and [`Options`]. Output: [`Imported`]: the model as one
//! file or one file per schema, the [`LedgerEntry`]s (every object the model cannot express, with
//! the SQL that defines it) and the platform schemas left out on purpose. Invariants: pure (no
//! I/O); deterministic (every map is sorted); SQL is written as PostgreSQL stores it (function
//! bodies byte for byte, policy expressions and view queries as `pg_get_expr`/`pg_get_viewdef`
//! print them, except the one form PostgreSQL stores differently when it reads it back,
//! rewritten by [`expr::reparseable`]); shorthands are used only where they say the same thing
//! (a column-level `references:`, `unique:` or `check:` only when the constraint's name is the
//! one schemac generates, `nullable: true` only on nullable columns, a literal default without the
//! cast to the column's own type).

mod default_privileges;
mod domains;
mod exclude;
mod expr;
mod replication;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::introspect::{Catalog, ConstraintInfo, FunctionInfo, IndexInfo, OtherInfo, TableInfo};
use expr::reparseable;
use yaml::{flow_list, scalar, text_field};

/// Schemas the Supabase platform owns: never imported, named in the report.
pub const SUPABASE_PLATFORM_SCHEMAS: &[&str] = &[
    "_analytics",
    "_realtime",
    "auth",
    "cron",
    "extensions",
    "graphql",
    "graphql_public",
    "net",
    "pgbouncer",
    "pgsodium",
    "pgsodium_masks",
    "realtime",
    "storage",
    "supabase_functions",
    "supabase_migrations",
    "vault",
];

/// Schemas the `citus` extension keeps its own objects in: never imported from a Citus database.
pub const CITUS_SCHEMAS: &[&str] = &["citus", "citus_internal", "columnar", "columnar_internal"];

/// Roles every PostgreSQL or Supabase database has; never declared under `roles:`.
const BUILTIN_ROLES: &[&str] = &[
    "public",
    "anon",
    "authenticated",
    "service_role",
    "postgres",
    "supabase_admin",
    "authenticator",
];

/// What to import and how to lay it out.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `preset: supabase` (platform schemas are left out).
    pub supabase: bool,
    /// One file per schema instead of one file.
    pub split: bool,
    /// `migrations: { layout: supabase }`: the project's migrations are in `supabase/migrations`.
    pub supabase_layout: bool,
}

/// `grants:`/`revoke:` lines per object `(schema, name)`, and the roles they name.
type Privs = (BTreeMap<(String, String), String>, BTreeSet<String>);

/// One object the model cannot express.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LedgerEntry {
    /// What it is (`sequence`, `domain`, `exclusion constraint`, …).
    pub kind: String,
    /// Its qualified name.
    pub name: String,
    /// Why it was left out.
    pub reason: String,
    /// The SQL that defines it.
    pub definition: String,
}

/// What [`import`] returns.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// Model files: relative path → YAML text.
    pub files: Vec<(String, String)>,
    /// Objects left out, sorted.
    pub ledger: Vec<LedgerEntry>,
    /// Platform schemas left out on purpose.
    pub platform: Vec<String>,
    /// Counts of what was imported, by kind.
    pub counts: BTreeMap<&'static str, usize>,
}

/// The name a model uses for an object: bare in `public`, else `schema.name`.
fn local(schema: &str, name: &str) -> String {
    if schema == "public" {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

/// A type as `format_type` prints it with `search_path = ''`, without the `public.` qualifier.
fn local_type(t: &str) -> String {
    t.strip_prefix("public.").unwrap_or(t).to_string()
}

/// `(expr)` → `expr` when the outer parentheses enclose the whole text (and are not those of a
/// scalar sub-select, `( SELECT … )`).
fn unparen(s: &str) -> &str {
    let t = s.trim();
    if !(t.starts_with('(') && t.ends_with(')')) {
        return t;
    }
    let inner = t.get(1..).unwrap_or("").trim_start().to_ascii_lowercase();
    if ["select", "with", "values"].iter().any(|k| {
        inner.starts_with(k)
            && !inner
                .get(k.len()..k.len() + 1)
                .unwrap_or(" ")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
    }) {
        return t;
    }
    let mut depth = 0i32;
    let mut in_quote = false;
    for (i, c) in t.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => {
                depth -= 1;
                if depth == 0 && i + 1 < t.len() {
                    return t;
                }
            }
            _ => {}
        }
    }
    t.get(1..t.len() - 1).map_or(t, str::trim)
}

/// Split at commas outside parentheses and quotes.
fn split_top(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('(' | '[', None) => depth += 1,
            (')' | ']', None) => depth -= 1,
            (',', None) if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// The text between the parenthesis at `open` and its match, and the index after the match.
fn paren_group(s: &str, open: usize) -> Option<(&str, usize)> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices().skip_while(|(i, _)| *i < open) {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(o)) if q == o => quote = None,
            ('(', None) => depth += 1,
            (')', None) => {
                depth -= 1;
                if depth == 0 {
                    return s.get(open + 1..i).map(|x| (x, i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// A default without the cast to the column's own type: `'a'::public.status` → `'a'`.
fn default_text(default: &str, column_type: &str) -> String {
    for ty in [column_type.to_string(), local_type(column_type)] {
        if let Some(lit) = default.strip_suffix(&format!("::{ty}"))
            && lit.starts_with('\'')
            && lit.ends_with('\'')
            && lit.len() >= 2
            && !lit.get(1..lit.len() - 1).unwrap_or("'").contains('\'')
        {
            return lit.to_string();
        }
    }
    default.to_string()
}

struct Cx<'a> {
    catalog: &'a Catalog,
    ledger: Vec<LedgerEntry>,
    counts: BTreeMap<&'static str, usize>,
    /// Roles named by policies.
    roles: BTreeSet<String>,
    /// Domains (`schema.name` → base type), which columns are imported as.
    domains: BTreeMap<String, String>,
    /// Types the model cannot declare (domains, composite and range types), as `schema.name`:
    /// a function whose signature names one is left out (the model would refuse it, E202).
    unmodelled_types: BTreeSet<String>,
    /// `preset: supabase`: membership of `supabase_realtime` is `realtime: true`.
    supabase: bool,
    /// On Citus, each placed table's `distribution:` value, by (schema, table).
    citus: BTreeMap<(String, String), String>,
}

impl Cx<'_> {
    fn leave_out(&mut self, kind: &str, name: String, reason: &str, definition: String) {
        self.ledger.push(LedgerEntry {
            kind: kind.to_string(),
            name,
            reason: reason.to_string(),
            definition,
        });
    }

    fn count(&mut self, kind: &'static str) {
        *self.counts.entry(kind).or_default() += 1;
    }
}

/// Why an object of [`others`](crate::introspect::others) is in the ledger.
fn other_reason(kind: &str) -> &'static str {
    match kind {
        "column collation" => "a column has no collation key",
        "statistics target" => "a column has no statistics target",
        "column storage" => "a column has no storage or compression key",
        "storage parameters" => "a table has no storage parameters",
        "unlogged table" => "every table the model builds is logged",
        "constraint comment" => "a constraint has no description",
        "column options" => "a column has no attribute options (n_distinct, …)",
        "table access method" => "every table the model builds uses the heap access method",
        "table tablespace" | "index tablespace" => "the model builds in the default tablespace",
        "index storage parameters" => {
            "an index has no storage parameters (it is imported without them)"
        }
        "access method" => "the model cannot create an access method",
        "publication" => {
            "`publications:` has no `FOR ALL TABLES` or `FOR TABLES IN SCHEMA`, no table the \
             model does not own, and no row filter while updates or deletes are published"
        }
        "publication table" => {
            "a member of a publication `publications:` cannot say (see the publication's entry), \
             or of `supabase_realtime` with a column list or row filter (`realtime: true` is a \
             plain member)"
        }
        "default privileges" => {
            "the model's default privileges are those of the role its migrations run as, on \
             tables, sequences, functions and types"
        }
        "sequence privilege" => "the model grants nothing on sequences",
        "column privilege" => "the model grants privileges on whole tables and views only",
        _ => "the model has no section for it",
    }
}

/// A policy's keys under its name, the name indented by `indent`.
fn policy(cx: &mut Cx<'_>, p: &crate::introspect::PolicyInfo, indent: usize, s: &mut String) {
    let pad = " ".repeat(indent);
    let _ = writeln!(s, "{pad}{}:", scalar(&p.name));
    let _ = writeln!(s, "{pad}  for: {}", p.command.to_ascii_lowercase());
    if p.roles != ["public"] {
        let _ = writeln!(s, "{pad}  to: {}", flow_list(&p.roles));
        cx.roles.extend(p.roles.iter().cloned());
    }
    if !p.permissive {
        let _ = writeln!(s, "{pad}  as: restrictive");
    }
    if let Some(u) = &p.using {
        let _ = writeln!(s, "{pad}  using: {}", scalar(&reparseable(unparen(u))));
    }
    if let Some(w) = &p.with_check {
        let _ = writeln!(s, "{pad}  with_check: {}", scalar(&reparseable(unparen(w))));
    }
    if let Some(d) = &p.description {
        text_field(s, indent + 2, "why", d);
    }
}

/// On a Citus database, the `distribution:` of every table Citus placed (partitions follow their
/// parent and Citus local tables are local, so neither has one): `reference`, or the column with
/// the group's first table by name as the `colocate_with` of the others; the shard count is
/// written on that first table, where the model keeps it.
fn citus_distributions(catalog: &Catalog) -> BTreeMap<(String, String), String> {
    let partitions: BTreeSet<(&str, &str)> = catalog
        .tables
        .iter()
        .filter(|t| t.is_partition)
        .map(|t| (t.schema.as_str(), t.name.as_str()))
        .collect();
    let placed = catalog
        .citus
        .iter()
        .filter(|p| !partitions.contains(&(p.schema.as_str(), p.table.as_str())));
    let mut out = BTreeMap::new();
    let mut groups: BTreeMap<i64, Vec<&crate::introspect::CitusPlacement>> = BTreeMap::new();
    for p in placed {
        if p.method == "h" {
            groups.entry(p.colocation).or_default().push(p);
        } else if p.replication == "t" {
            out.insert((p.schema.clone(), p.table.clone()), "reference".to_string());
        }
    }
    let name = |p: &crate::introspect::CitusPlacement| {
        if p.schema == "public" {
            scalar(&p.table)
        } else {
            scalar(&format!("{}.{}", p.schema, p.table))
        }
    };
    for mut members in groups.into_values() {
        members.sort();
        let Some(first) = members.first().copied() else {
            continue;
        };
        for p in &members {
            let column = scalar(p.column.as_deref().unwrap_or_default());
            let text = if std::ptr::eq(*p, first) {
                format!("{{ column: {column}, shard_count: {} }}", p.shards)
            } else {
                format!("{{ column: {column}, colocate_with: {} }}", name(first))
            };
            out.insert((p.schema.clone(), p.table.clone()), text);
        }
    }
    out
}

/// Whether the table is a plain member of Supabase's `supabase_realtime` publication (no column
/// list, no row filter): what `realtime: true` says.
fn realtime(supabase: bool, catalog: &Catalog, schema: &str, table: &str) -> bool {
    supabase
        && catalog.publication_tables.iter().any(|p| {
            p.publication == "supabase_realtime"
                && p.schema == schema
                && p.table == table
                && p.columns.is_none()
                && p.row_filter.is_none()
        })
}

fn fk_action(a: &str) -> Option<&'static str> {
    match a {
        "r" => Some("restrict"),
        "c" => Some("cascade"),
        "n" => Some("set_null"),
        "d" => Some("set_default"),
        _ => None,
    }
}

/// `on_delete:`'s value: the action, or `{ set_null: [cols] }` when it sets only some columns.
fn delete_action(action: &str, set_columns: &[String]) -> String {
    if set_columns.is_empty() {
        action.to_string()
    } else {
        format!("{{ {action}: {} }}", flow_list(set_columns))
    }
}

/// Import `catalog` (with `others`, the objects the model has no section for). Privileges are
/// written as the grants and revokes that turn the preset's defaults into what the catalog
/// holds: the model is rendered once without them, compiled, and its defaults compared.
pub fn import(catalog: &Catalog, others: &[OtherInfo], options: &Options) -> Imported {
    let first = render(catalog, others, options, &Privs::default());
    // What `schemac::compile_sources` runs (load, resolve, validate), called stage by stage:
    // `import` sits below the driver (docs/architecture.md, "Layers").
    let mut d = crate::diagnostics::Diagnostics::default();
    let crate::load::Loaded { sources, mut model } =
        crate::load::load_sources(&first.files, &mut d);
    let external = crate::preset::external(model.preset);
    if !d.has_errors() {
        crate::resolve::resolve(&mut model, &external, &mut d);
    }
    if !d.has_errors() {
        let views = crate::resolve::view_dependencies(&mut model, &external);
        crate::validate::validate_with(&model, &external, &sources, &mut d, false, &views);
    }
    if d.has_errors() {
        return first;
    }
    let access = crate::verify::expected_privileges(&model, &external);
    let mut lines: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut roles = BTreeSet::new();
    let role_key = |r: &str| {
        if r == "PUBLIC" {
            "public".to_string()
        } else {
            r.to_string()
        }
    };
    // Functions are keyed by their catalog signature `name(identity arguments)`, so each
    // overload gets its own grants.
    let relation_defaults: Vec<((String, String), &crate::preset::privileges::Held)> = access
        .relations
        .iter()
        .map(|(q, h)| ((q.schema.clone(), q.name.clone()), h))
        .collect();
    let function_defaults: Vec<((String, String), &crate::preset::privileges::Held)> = access
        .functions
        .iter()
        .filter_map(|(k, h)| {
            let info = catalog_routine(catalog, k)?;
            Some((
                (
                    info.schema.clone(),
                    format!("{}({})", info.name, info.identity_args),
                ),
                h,
            ))
        })
        .collect();
    for (privs, defaults, is_fn) in [
        (&catalog.relation_privileges, &relation_defaults, false),
        (&catalog.function_privileges, &function_defaults, true),
    ] {
        let mut held: BTreeMap<(String, String), BTreeMap<String, BTreeSet<String>>> =
            BTreeMap::new();
        for p in privs {
            held.entry((p.schema.clone(), p.object.clone()))
                .or_default()
                .entry(role_key(&p.grantee))
                .or_default()
                .insert(p.privilege.to_ascii_lowercase());
        }
        for (k, want) in defaults.iter() {
            let (k, want) = (k.clone(), *want);
            let have = held.get(&k).cloned().unwrap_or_default();
            let all_roles: BTreeSet<&String> = want.keys().chain(have.keys()).collect();
            let mut grants = Vec::new();
            let mut revokes = Vec::new();
            for role in all_roles {
                let w = want.get(role).cloned().unwrap_or_default();
                let h = have.get(role).cloned().unwrap_or_default();
                let add: Vec<String> = h.difference(&w).cloned().collect();
                let drop: Vec<String> = w.difference(&h).cloned().collect();
                if !add.is_empty() {
                    grants.push(format!("{}: {}", scalar(role), flow_list(&add)));
                    roles.insert(role.clone());
                }
                if !drop.is_empty() {
                    let drop = if h.is_empty() && !is_fn {
                        vec!["all".to_string()]
                    } else {
                        drop
                    };
                    revokes.push(format!("{}: {}", scalar(role), flow_list(&drop)));
                }
            }
            let mut text = String::new();
            if !grants.is_empty() {
                let _ = writeln!(text, "    grants: {{ {} }}", grants.join(", "));
            }
            if !revokes.is_empty() {
                let _ = writeln!(text, "    revoke: {{ {} }}", revokes.join(", "));
            }
            if !text.is_empty() {
                lines.insert(k, text);
            }
        }
    }
    schema_privileges(catalog, &access, &mut lines, &mut roles);
    render(catalog, others, options, &(lines, roles))
}

/// The grants and revokes that turn each imported schema's default privileges (PostgreSQL's and
/// the preset's) into what the catalog holds, keyed `("", schema)` in `lines`.
fn schema_privileges(
    catalog: &Catalog,
    access: &crate::preset::privileges::Access,
    lines: &mut BTreeMap<(String, String), String>,
    roles: &mut BTreeSet<String>,
) {
    let role_key = |r: &str| {
        if r == "PUBLIC" {
            "public".to_string()
        } else {
            r.to_string()
        }
    };
    let mut held: BTreeMap<&str, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for p in &catalog.schema_privileges {
        held.entry(p.schema.as_str())
            .or_default()
            .entry(role_key(&p.grantee))
            .or_default()
            .insert(p.privilege.to_ascii_lowercase());
    }
    for schema in &catalog.schemas {
        let want = access.schemas.get(schema).cloned().unwrap_or_default();
        let have = held.get(schema.as_str()).cloned().unwrap_or_default();
        let all_roles: BTreeSet<&String> = want.keys().chain(have.keys()).collect();
        let (mut grants, mut revokes) = (Vec::new(), Vec::new());
        for role in all_roles {
            let w = want.get(role).cloned().unwrap_or_default();
            let h = have.get(role).cloned().unwrap_or_default();
            let add: Vec<String> = h.difference(&w).cloned().collect();
            let drop: Vec<String> = w.difference(&h).cloned().collect();
            if !add.is_empty() {
                grants.push(format!("{}: {}", scalar(role), flow_list(&add)));
                roles.insert(role.clone());
            }
            if !drop.is_empty() {
                revokes.push(format!("{}: {}", scalar(role), flow_list(&drop)));
            }
        }
        let mut text = String::new();
        if !grants.is_empty() {
            let _ = writeln!(text, "    grants: {{ {} }}", grants.join(", "));
        }
        if !revokes.is_empty() {
            let _ = writeln!(text, "    revoke: {{ {} }}", revokes.join(", "));
        }
        if !text.is_empty() {
            lines.insert((String::new(), schema.clone()), text);
        }
    }
}

fn render(catalog: &Catalog, others: &[OtherInfo], options: &Options, privs: &Privs) -> Imported {
    let mut cx = Cx {
        catalog,
        citus: citus_distributions(catalog),
        ledger: Vec::new(),
        counts: BTreeMap::new(),
        roles: BTreeSet::new(),
        supabase: options.supabase,
        unmodelled_types: others
            .iter()
            .filter(|o| o.kind.ends_with("type") || o.kind == "domain")
            .map(|o| format!("{}.{}", o.schema, o.name))
            .collect(),
        domains: others
            .iter()
            .filter(|o| o.kind == "domain")
            .filter_map(|o| {
                let base = o.definition.split_once(" AS ")?.1;
                let end = [" NOT NULL", " DEFAULT ", " CONSTRAINT "]
                    .iter()
                    .filter_map(|w| base.find(w))
                    .min()
                    .unwrap_or(base.len());
                Some((
                    format!("{}.{}", o.schema, o.name),
                    base.get(..end).unwrap_or(base).to_string(),
                ))
            })
            .collect(),
    };
    let imported_pubs = importable_publications(catalog, others);
    for o in others
        .iter()
        .filter(|o| !default_privileges::modelled(catalog, o))
    {
        if o.kind == "publication" && imported_pubs.contains(&o.name) {
            continue;
        }
        // The privileges of an imported schema are written into `schemas:`.
        if o.kind == "schema privilege"
            && o.name
                .split_once(" to ")
                .is_some_and(|(schema, _)| catalog.schemas.iter().any(|s| s == schema))
        {
            continue;
        }
        cx.leave_out(
            &o.kind,
            if o.schema.is_empty() {
                o.name.clone()
            } else {
                format!("{}.{}", o.schema, o.name)
            },
            other_reason(&o.kind),
            o.definition.clone(),
        );
    }
    for p in &catalog.publication_tables {
        if (realtime(cx.supabase, catalog, &p.schema, &p.table)
            && p.publication == "supabase_realtime")
            || imported_pubs.contains(&p.publication)
        {
            continue;
        }
        let mut sql = format!(
            "ALTER PUBLICATION {} ADD TABLE ONLY {}.{}",
            crate::sql::ident::quote_ident(&p.publication),
            crate::sql::ident::quote_ident(&p.schema),
            crate::sql::ident::quote_ident(&p.table)
        );
        if let Some(cols) = &p.columns {
            let cols: Vec<String> = cols
                .iter()
                .map(|c| crate::sql::ident::quote_ident(c))
                .collect();
            let _ = write!(sql, " ({})", cols.join(", "));
        }
        if let Some(f) = &p.row_filter {
            let _ = write!(sql, " WHERE ({f})");
        }
        cx.leave_out(
            "publication table",
            format!("{}: {}.{}", p.publication, p.schema, p.table),
            other_reason("publication table"),
            sql,
        );
    }
    // Per schema: the YAML of each section.
    let mut sections: BTreeMap<String, BTreeMap<&'static str, String>> = BTreeMap::new();
    let mut push = |schema: &str, section: &'static str, text: String| {
        sections
            .entry(schema.to_string())
            .or_default()
            .entry(section)
            .or_default()
            .push_str(&text);
    };
    for e in &catalog.enums {
        let mut s = String::new();
        let _ = writeln!(s, "  {}:", scalar(&local(&e.schema, &e.name)));
        let _ = writeln!(s, "    values: {}", flow_list(&e.labels));
        if let Some(d) = &e.description {
            text_field(&mut s, 4, "description", d);
        }
        cx.count("enums");
        push(&e.schema, "enums", s);
    }
    for (schema, section, text) in domains::sections(&mut cx, catalog) {
        push(&schema, section, text);
    }
    // The overloads of one name are adjacent (the catalog is sorted): one entry, or a list.
    let mut rest = catalog.functions.as_slice();
    while let Some(first) = rest.first() {
        let n = rest
            .iter()
            .take_while(|g| g.schema == first.schema && g.name == first.name)
            .count();
        let (group, tail) = rest.split_at(n);
        rest = tail;
        let bodies: Vec<String> = group
            .iter()
            .filter_map(|f| function(&mut cx, f, privs))
            .collect();
        let mut s = String::new();
        if !bodies.is_empty() {
            let _ = writeln!(s, "  {}:", scalar(&local(&first.schema, &first.name)));
        }
        match bodies.as_slice() {
            [] => continue,
            [one] => s.push_str(one),
            many => {
                for body in many {
                    for (i, line) in body.lines().enumerate() {
                        let line = line.strip_prefix("    ").unwrap_or(line);
                        if i == 0 {
                            let _ = writeln!(s, "    - {line}");
                        } else if line.is_empty() {
                            s.push('\n');
                        } else {
                            let _ = writeln!(s, "      {line}");
                        }
                    }
                }
            }
        }
        push(&first.schema, "functions", s);
    }
    let partitions: BTreeSet<(String, String)> = catalog
        .tables
        .iter()
        .filter(|t| t.is_partition)
        .map(|t| (t.schema.clone(), t.name.clone()))
        .collect();
    for t in &catalog.tables {
        if t.is_partition {
            continue;
        }
        if let Some(s) = table(&mut cx, t, &partitions, privs) {
            push(&t.schema, "tables", s);
        }
    }
    for v in &catalog.views {
        let mut s = String::new();
        let _ = writeln!(s, "  {}:", scalar(&local(&v.schema, &v.name)));
        if v.materialized {
            s.push_str("    materialized: true\n");
        } else if !v
            .options
            .iter()
            .any(|o| o == "security_invoker=true" || o == "security_invoker=on")
        {
            s.push_str("    security_invoker: false\n");
        }
        if let Some(d) = &v.description {
            text_field(&mut s, 4, "description", d);
        }
        let q = v.definition.trim().trim_end_matches(';');
        text_field(&mut s, 4, "query", &format!("{q}\n"));
        let ix: Vec<&IndexInfo> = catalog
            .indexes
            .iter()
            .filter(|i| i.schema == v.schema && i.table == v.name)
            .collect();
        if !ix.is_empty() {
            s.push_str("    indexes:\n");
            for i in ix {
                match index(&v.name, i) {
                    Some(text) => {
                        let _ = writeln!(s, "      - {text}");
                    }
                    None => cx.leave_out(
                        "index",
                        format!("{}.{}", i.schema, i.name),
                        "its definition has a form the model cannot write",
                        i.definition.clone(),
                    ),
                }
            }
        }
        if let Some(p) = privs.0.get(&(v.schema.clone(), v.name.clone())) {
            s.push_str(p);
        }
        cx.count("views");
        push(&v.schema, "views", s);
    }
    // Triggers on tables the model does not own (Supabase's auth.users).
    let owned: BTreeSet<(&str, &str)> = catalog
        .tables
        .iter()
        .map(|t| (t.schema.as_str(), t.name.as_str()))
        .collect();
    for tr in &catalog.triggers {
        if owned.contains(&(tr.schema.as_str(), tr.table.as_str())) {
            continue;
        }
        match trigger(&tr.definition, 4) {
            Some(body) => {
                let mut s = String::new();
                let _ = writeln!(s, "  {}:", scalar(&tr.name));
                let _ = writeln!(
                    s,
                    "    on: {}",
                    scalar(&format!("{}.{}", tr.schema, tr.table))
                );
                s.push_str(&body);
                replication::trigger_enabled(&tr.enabled, 4, &mut s);
                if let Some(d) = &tr.description {
                    text_field(&mut s, 4, "description", d);
                }
                cx.count("triggers");
                push("public", "triggers", s);
            }
            None => cx.leave_out(
                "trigger",
                format!("{}.{}.{}", tr.schema, tr.table, tr.name),
                "its definition has a form the model cannot write",
                tr.definition.clone(),
            ),
        }
    }
    // Policies on the platform's tables (`storage.objects`): the top-level `policies:`.
    let mut on_platform: BTreeMap<String, String> = BTreeMap::new();
    for p in &catalog.policies {
        if owned.contains(&(p.schema.as_str(), p.table.as_str())) {
            continue;
        }
        let mut s = String::new();
        policy(&mut cx, p, 4, &mut s);
        cx.count("policies on platform tables");
        on_platform
            .entry(format!("{}.{}", p.schema, p.table))
            .or_default()
            .push_str(&s);
    }
    for (table, text) in on_platform {
        push(
            "public",
            "policies",
            format!("  {}:\n{text}", scalar(&table)),
        );
    }
    // The header: version, preset, schemas, extensions, roles.
    let mut head = String::from("version: 1\n");
    if options.supabase {
        head.push_str("preset: supabase\n");
    }
    if catalog.extensions.contains_key("citus") {
        // `target: citus` creates the extension itself.
        head.push_str("target: citus\n");
    }
    if options.supabase_layout {
        head.push_str("migrations:\n  layout: supabase\n");
    }
    // `public` is declared only for a comment other than the one PostgreSQL gives it.
    let described = |s: &String| {
        catalog
            .schema_descriptions
            .get(s)
            .filter(|d| !d.is_empty())
            .filter(|d| !(s == "public" && *d == crate::verify::PUBLIC_SCHEMA_COMMENT))
    };
    let (schema_defaults, global_defaults) = default_privileges::yaml(catalog);
    let schema_privs = |s: &String| privs.0.get(&(String::new(), s.clone()));
    let schemas: Vec<&String> = catalog
        .schemas
        .iter()
        .filter(|s| {
            *s != "public"
                || described(s).is_some()
                || schema_defaults.contains_key(*s)
                || schema_privs(s).is_some()
        })
        .collect();
    if !schemas.is_empty() {
        head.push_str("schemas:\n");
        for s in schemas {
            let defaults = schema_defaults.get(s);
            match (described(s), defaults, schema_privs(s)) {
                (None, None, None) => {
                    let _ = writeln!(head, "  {}: {{}}", scalar(s));
                }
                (d, defaults, p) => {
                    let _ = writeln!(head, "  {}:", scalar(s));
                    if let Some(d) = d {
                        text_field(&mut head, 4, "description", d);
                    }
                    if let Some(p) = p {
                        head.push_str(p);
                    }
                    if let Some(body) = defaults {
                        head.push_str("    default_privileges:\n");
                        head.push_str(body);
                    }
                }
            }
        }
    }
    if let Some(body) = &global_defaults {
        head.push_str("default_privileges:\n");
        head.push_str(body);
    }
    let default_ext_schema = if options.supabase {
        "extensions"
    } else {
        "public"
    };
    let exts: Vec<(&String, &String)> = catalog
        .extensions
        .iter()
        .filter(|(n, _)| *n != "plpgsql" && *n != "citus")
        .collect();
    if !exts.is_empty() {
        head.push_str("extensions:\n");
        for (name, schema) in exts {
            if schema == default_ext_schema {
                let _ = writeln!(head, "  {}: {{}}", scalar(name));
            } else {
                let _ = writeln!(head, "  {}: {{ schema: {} }}", scalar(name), scalar(schema));
            }
        }
    }
    cx.roles.extend(default_privileges::grantees(catalog));
    let roles: BTreeSet<&String> = cx
        .roles
        .iter()
        .chain(privs.1.iter())
        .filter(|r| !BUILTIN_ROLES.contains(&r.as_str()))
        .collect();
    if !options.supabase && !roles.is_empty() {
        head.push_str("roles:\n");
        for r in roles {
            let _ = writeln!(head, "  {}: {{}}", scalar(r));
        }
    }
    jobs(&mut cx, &mut head);
    publications(&mut cx, &imported_pubs, &mut head);
    if options.supabase && !catalog.buckets.is_empty() {
        head.push_str("buckets:\n");
        for b in &catalog.buckets {
            let mut parts = Vec::new();
            if b.public {
                parts.push("public: true".to_string());
            }
            if let Some(n) = b.file_size_limit.filter(|n| *n >= 0) {
                parts.push(format!("file_size_limit: {n}"));
            }
            if !b.allowed_mime_types.is_empty() {
                let types: Vec<String> = b.allowed_mime_types.iter().map(|m| scalar(m)).collect();
                parts.push(format!("allowed_mime_types: [{}]", types.join(", ")));
            }
            if parts.is_empty() {
                let _ = writeln!(head, "  {}: {{}}", scalar(&b.id));
            } else {
                let _ = writeln!(head, "  {}: {{ {} }}", scalar(&b.id), parts.join(", "));
            }
            *cx.counts.entry("buckets").or_default() += 1;
        }
    }
    let order = [
        "enums",
        "domains",
        "types",
        "functions",
        "tables",
        "views",
        "triggers",
        "policies",
    ];
    let render = |secs: &BTreeMap<&'static str, String>| {
        let mut out = String::new();
        for k in order {
            if let Some(text) = secs.get(k) {
                let _ = writeln!(out, "{k}:");
                out.push_str(text);
            }
        }
        out
    };
    let mut files = Vec::new();
    if options.split {
        files.push(("schema.yaml".to_string(), head));
        for (schema, secs) in &sections {
            files.push((format!("{schema}.yaml"), render(secs)));
        }
    } else {
        let mut all: BTreeMap<&'static str, String> = BTreeMap::new();
        for secs in sections.values() {
            for (k, v) in secs {
                all.entry(k).or_default().push_str(v);
            }
        }
        files.push(("schema.yaml".to_string(), format!("{head}{}", render(&all))));
    }
    cx.ledger.sort();
    Imported {
        files,
        ledger: cx.ledger,
        platform: Vec::new(),
        counts: cx.counts,
    }
}

/// The publications `publications:` can say: not `supabase_realtime`, not `FOR ALL TABLES` or
/// `FOR TABLES IN SCHEMA`, every member table one the import writes, a column list with the
/// primary key and no row filter while updates or deletes are published (the model checks row
/// filters against the replica identity; import leaves such a publication in the ledger).
fn importable_publications(catalog: &Catalog, others: &[OtherInfo]) -> BTreeSet<String> {
    catalog
        .publications
        .iter()
        .filter(|p| p.name != "supabase_realtime" && !p.all_tables)
        .filter(|p| {
            !others.iter().any(|o| {
                o.kind == "publication"
                    && o.name == p.name
                    && o.definition.contains(" FOR TABLES IN SCHEMA ")
            })
        })
        .filter(|p| {
            let changes_rows = p.publish.iter().any(|o| o == "update" || o == "delete");
            catalog
                .publication_tables
                .iter()
                .filter(|m| m.publication == p.name)
                .all(|m| {
                    let table_imported = catalog
                        .tables
                        .iter()
                        .any(|t| t.schema == m.schema && t.name == m.table);
                    let key: Vec<&String> = catalog
                        .constraints
                        .iter()
                        .filter(|c| c.kind == "p" && c.schema == m.schema && c.table == m.table)
                        .flat_map(|c| c.columns.iter())
                        .collect();
                    let columns_ok = m
                        .columns
                        .as_ref()
                        .is_none_or(|cols| !changes_rows || key.iter().all(|k| cols.contains(k)));
                    let filter_ok = m.row_filter.is_none()
                        || (!changes_rows
                            && m.row_filter.as_deref().is_some_and(|f| {
                                crate::sqlfrag::parse_expr(&reparseable(unparen(f))).is_ok()
                            }));
                    table_imported && columns_ok && filter_ok
                })
        })
        .map(|p| p.name.clone())
        .collect()
}

/// `publications:` for the publications [`importable_publications`] chose.
fn publications(cx: &mut Cx<'_>, names: &BTreeSet<String>, head: &mut String) {
    let mut out = String::new();
    for p in cx
        .catalog
        .publications
        .iter()
        .filter(|p| names.contains(&p.name))
    {
        cx.count("publications");
        let _ = writeln!(out, "  {}:", scalar(&p.name));
        if p.publish.len() != crate::ir::publication::OPERATIONS.len() {
            let _ = writeln!(out, "    publish: {}", flow_list(&p.publish));
        }
        if let Some(d) = p.description.as_deref().filter(|d| !d.is_empty()) {
            text_field(&mut out, 4, "description", d);
        }
        let members: Vec<_> = cx
            .catalog
            .publication_tables
            .iter()
            .filter(|m| m.publication == p.name)
            .collect();
        if members.is_empty() {
            continue;
        }
        out.push_str("    tables:\n");
        for m in members {
            let name = scalar(&format!("{}.{}", m.schema, m.table));
            let mut keys = Vec::new();
            if let Some(cols) = &m.columns {
                keys.push(format!("columns: {}", flow_list(cols)));
            }
            if let Some(f) = &m.row_filter {
                keys.push(format!("where: {}", scalar(&reparseable(unparen(f)))));
            }
            if keys.is_empty() {
                let _ = writeln!(out, "      {name}: {{}}");
            } else {
                let _ = writeln!(out, "      {name}: {{ {} }}", keys.join(", "));
            }
        }
    }
    if !out.is_empty() {
        head.push_str("publications:\n");
        head.push_str(&out);
    }
}

/// `jobs:` from pg_cron's jobs of the database; a job without a name, or whose schedule or
/// command schemac cannot read back, goes to the ledger.
fn jobs(cx: &mut Cx<'_>, head: &mut String) {
    let mut out = String::new();
    for j in &cx.catalog.jobs {
        let definition = format!(
            "SELECT cron.schedule({}, {}, {});",
            crate::sql::ident::quote_literal(&j.name),
            crate::sql::ident::quote_literal(&j.schedule),
            crate::sql::ident::quote_literal(&j.command)
        );
        let unnamed = j
            .name
            .strip_prefix("job ")
            .is_some_and(|id| id.bytes().all(|b| b.is_ascii_digit()));
        let reason = if unnamed {
            Some("a pg_cron job without a name (the model names every job)")
        } else if crate::ir::job::check_schedule(&j.schedule).is_err() {
            Some("a schedule schemac does not read")
        } else if crate::sqlfrag::parse_statements(j.command.trim()).is_err() {
            Some("a command schemac's SQL parser does not read")
        } else {
            None
        };
        if let Some(reason) = reason {
            cx.leave_out("scheduled job", j.name.clone(), reason, definition);
            continue;
        }
        cx.count("jobs");
        let _ = writeln!(out, "  {}:", scalar(&j.name));
        text_field(&mut out, 4, "schedule", &j.schedule);
        text_field(&mut out, 4, "command", j.command.trim());
        if !j.active {
            out.push_str("    active: false\n");
        }
    }
    if !out.is_empty() {
        head.push_str("jobs:\n");
        head.push_str(&out);
    }
}

/// The catalog's routine that the imported model's `key` is (types compared without their
/// schema: the import writes model-local type names).
fn catalog_routine<'c>(catalog: &'c Catalog, key: &crate::ir::FnKey) -> Option<&'c FunctionInfo> {
    let loose = |args: &[String]| -> Vec<String> {
        args.iter()
            .map(|a| a.rsplit('.').next().unwrap_or(a).to_string())
            .collect()
    };
    let want = loose(&key.args);
    catalog.functions.iter().find(|f| {
        f.schema == key.name.schema && f.name == key.name.name && loose(&f.key().args) == want
    })
}

fn function(cx: &mut Cx<'_>, f: &FunctionInfo, privs: &Privs) -> Option<String> {
    if f.kind != "f" && f.kind != "p" {
        return None; // Listed by `others`.
    }
    let procedure = f.kind == "p";
    let overloaded = cx
        .catalog
        .functions
        .iter()
        .filter(|g| g.schema == f.schema && g.name == f.name)
        .nth(1)
        .is_some();
    // The ledger names an overload by its signature.
    let name = if overloaded {
        format!("{}.{}({})", f.schema, f.name, f.identity_args)
    } else {
        format!("{}.{}", f.schema, f.name)
    };
    let def = || {
        if procedure {
            format!(
                "CREATE PROCEDURE {}.{}({}) LANGUAGE {} AS $$…$$",
                f.schema, f.name, f.arguments, f.language
            )
        } else {
            format!(
                "CREATE FUNCTION {}.{}({}) RETURNS {} LANGUAGE {} AS $$…$$",
                f.schema,
                f.name,
                f.arguments,
                f.result.as_deref().unwrap_or(""),
                f.language
            )
        }
    };
    let names_unmodelled = |text: &str| {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '"'))
            .any(|w| cx.unmodelled_types.contains(&w.replace('"', "")))
    };
    if f.args.iter().any(|a| names_unmodelled(&a.2))
        || f.result.as_deref().is_some_and(names_unmodelled)
    {
        cx.leave_out(
            "function",
            name.clone(),
            "its signature names a domain, composite or range type, which the model cannot declare",
            def(),
        );
        return None;
    }
    if f.language == "c" || f.language == "internal" {
        cx.leave_out(
            "function",
            name.clone(),
            "a C or internal function: the model writes bodies in SQL languages",
            def(),
        );
        return None;
    }
    let mut search_path: Option<Vec<String>> = None;
    for c in &f.config {
        match c.strip_prefix("search_path=") {
            Some(p) => {
                search_path = Some(
                    p.split(',')
                        .map(|x| x.trim().trim_matches('"').to_string())
                        .filter(|x| !x.is_empty())
                        .collect(),
                );
            }
            None => {
                cx.leave_out(
                    "function",
                    name.clone(),
                    "it sets a configuration parameter other than search_path",
                    format!("{} SET {c}", def()),
                );
                return None;
            }
        }
    }
    // The entry's body (its name line is written by the caller, which lists overloads).
    let mut s = String::new();
    if procedure {
        s.push_str("    kind: procedure\n");
    }
    if let Some(d) = &f.description {
        text_field(&mut s, 4, "description", d);
    }
    let args: Vec<&(String, String, String, Option<String>)> =
        f.args.iter().filter(|a| a.0 != "t").collect();
    if !args.is_empty() {
        let simple = args
            .iter()
            .all(|a| a.0 == "i" && a.3.is_none() && !a.1.is_empty());
        if simple {
            let v: Vec<String> = args
                .iter()
                .map(|a| format!("{} {}", a.1, local_type(&a.2)))
                .collect();
            let _ = writeln!(s, "    args: {}", flow_list(&v));
        } else {
            s.push_str("    args:\n");
            for (mode, n, ty, default) in args {
                let mut parts = Vec::new();
                if !n.is_empty() {
                    parts.push(format!("name: {}", scalar(n)));
                }
                parts.push(format!("type: {}", scalar(&local_type(ty))));
                if let Some(d) = default {
                    parts.push(format!("default: {}", scalar(d)));
                }
                match mode.as_str() {
                    "o" => parts.push("mode: out".to_string()),
                    "b" => parts.push("mode: inout".to_string()),
                    "v" => parts.push("mode: variadic".to_string()),
                    _ => {}
                }
                let _ = writeln!(s, "      - {{ {} }}", parts.join(", "));
            }
        }
    }
    if !procedure {
        let _ = writeln!(
            s,
            "    returns: {}",
            scalar(f.result.as_deref().unwrap_or("void"))
        );
    }
    let _ = writeln!(s, "    language: {}", scalar(&f.language));
    match f.volatility.as_str() {
        _ if procedure => {}
        "i" => s.push_str("    volatility: immutable\n"),
        "s" => s.push_str("    volatility: stable\n"),
        _ => {}
    }
    if f.security_definer {
        s.push_str("    security: definer\n");
    }
    match &search_path {
        Some(p) if p.is_empty() => s.push_str("    search_path: \"\"\n"),
        Some(p) => {
            let _ = writeln!(s, "    search_path: {}", flow_list(p));
        }
        None => {}
    }
    if f.strict && !procedure {
        s.push_str("    strict: true\n");
    }
    if f.leakproof && !procedure {
        s.push_str("    leakproof: true\n");
    }
    match f.parallel.as_str() {
        _ if procedure => {}
        "s" => s.push_str("    parallel: safe\n"),
        "r" => s.push_str("    parallel: restricted\n"),
        _ => {}
    }
    text_field(&mut s, 4, "body", &f.body);
    let signature = format!("{}({})", f.name, f.identity_args);
    if let Some(p) = privs.0.get(&(f.schema.clone(), signature)) {
        s.push_str(p);
    }
    cx.count("functions");
    Some(s)
}

/// The keys of an index (`columns:` items), or `None` when a key has a form the model cannot
/// write.
fn index_keys(keys: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for k in split_top(keys) {
        let first = k.split_whitespace().next().unwrap_or("");
        if crate::sql::ident::is_bare_ident(first) && !k.contains('(') && !k.contains('"') {
            out.push(k.to_ascii_lowercase());
        } else if let Some(q) = k.strip_prefix('"')
            && let Some(end) = q.find('"')
            && !q.get(..end).unwrap_or("").is_empty()
            && !k.contains('(')
            && !q.get(end + 1..).unwrap_or("").contains('"')
        {
            // A quoted column name, then order words.
            let name = q.get(..end).unwrap_or("");
            let rest = q.get(end + 1..).unwrap_or("").trim().to_ascii_lowercase();
            let mut item = format!("{{ column: {}", scalar(name));
            let words: Vec<&str> = rest.split_whitespace().collect();
            if words.contains(&"desc") {
                item.push_str(", order: desc");
            }
            if let Some(i) = words.iter().position(|w| *w == "nulls") {
                let _ = write!(item, ", nulls: {}", words.get(i + 1).unwrap_or(&"last"));
            }
            item.push_str(" }");
            out.push(item);
        } else if k.starts_with('(') || k.contains('(') {
            let (expr, rest) = if k.starts_with('(') {
                let (e, after) = paren_group(&k, 0)?;
                (
                    e.to_string(),
                    k.get(after..).unwrap_or("").trim().to_string(),
                )
            } else {
                (k.clone(), String::new())
            };
            let mut item = format!("{{ expression: {}", scalar(&expr));
            for w in rest.split_whitespace() {
                match w.to_ascii_lowercase().as_str() {
                    "desc" => item.push_str(", order: desc"),
                    "asc" | "nulls" | "last" => {}
                    "first" => item.push_str(", nulls: first"),
                    op => item.push_str(&format!(", opclass: {}", scalar(op))),
                }
            }
            item.push_str(" }");
            out.push(item);
        } else {
            return None;
        }
    }
    Some(out)
}

/// An index as a flow mapping, from `pg_get_indexdef`.
fn index(table: &str, i: &IndexInfo) -> Option<String> {
    let d = &i.definition;
    let using = d.find(" USING ")?;
    let rest = d.get(using + 7..)?;
    let method = rest.split_whitespace().next()?.to_string();
    let open = rest.find('(')?;
    let (keys, mut after) = paren_group(rest, open)?;
    let keys = index_keys(keys)?;
    let mut parts = Vec::new();
    let generated = format!(
        "{table}_{}_idx",
        keys.iter()
            .map(|k| k.split_whitespace().next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("_")
    );
    if i.name != generated {
        parts.push(format!("name: {}", scalar(&i.name)));
    }
    if keys.iter().all(|k| !k.starts_with('{')) {
        parts.push(format!(
            "columns: [{}]",
            keys.iter()
                .map(|k| scalar(k))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else {
        let v: Vec<String> = keys
            .iter()
            .map(|k| {
                if k.starts_with('{') {
                    k.clone()
                } else {
                    scalar(k)
                }
            })
            .collect();
        parts.push(format!("columns: [{}]", v.join(", ")));
    }
    if method != "btree" {
        parts.push(format!("using: {}", scalar(&method)));
    }
    if i.unique {
        parts.push("unique: true".to_string());
    }
    let mut tail = rest.get(after..).unwrap_or("").trim();
    if let Some(t) = tail.strip_prefix("INCLUDE ") {
        let (cols, a) = paren_group(t, t.find('(')?)?;
        let cols: Vec<String> = split_top(cols);
        parts.push(format!("include: {}", flow_list(&cols)));
        tail = t.get(a..).unwrap_or("").trim();
        after = 0;
    }
    let _ = after;
    if let Some(t) = tail.strip_prefix("NULLS NOT DISTINCT") {
        parts.push("nulls: not_distinct".to_string());
        tail = t.trim();
    }
    // Storage parameters are listed in the ledger (`index storage parameters`).
    if let Some(t) = tail.strip_prefix("WITH ") {
        let (_, a) = paren_group(t, t.find('(')?)?;
        tail = t.get(a..).unwrap_or("").trim();
    }
    if let Some(pred) = tail.strip_prefix("WHERE ") {
        parts.push(format!("where: {}", scalar(&reparseable(unparen(pred)))));
        tail = "";
    }
    if !tail.is_empty() {
        return None;
    }
    if let Some(why) = &i.description {
        parts.push(format!("why: {}", scalar(why)));
    }
    Some(format!("{{ {} }}", parts.join(", ")))
}

/// A trigger's keys (indented for a table's `triggers:`), from `pg_get_triggerdef`.
fn trigger(def: &str, indent: usize) -> Option<String> {
    let pad = " ".repeat(indent);
    let rest = def.strip_prefix("CREATE TRIGGER ")?;
    let (timing, rest) = ["BEFORE ", "AFTER ", "INSTEAD OF "]
        .iter()
        .find_map(|t| rest.find(t).map(|i| (*t, rest.get(i + t.len()..))))?;
    let rest = rest?;
    let on = rest.find(" ON ")?;
    let events_text = rest.get(..on)?;
    let rest = rest.get(on + 4..)?;
    let for_each = rest.find(" FOR EACH ")?;
    let after_table = rest.get(for_each + 10..)?;
    if rest.get(..for_each)?.contains(' ') {
        return None; // REFERENCING, FROM, DEFERRABLE: not in the model.
    }
    let (level, mut rest) = if let Some(r) = after_table.strip_prefix("ROW") {
        ("row", r.trim_start())
    } else if let Some(r) = after_table.strip_prefix("STATEMENT") {
        ("statement", r.trim_start())
    } else {
        return None;
    };
    let mut when = None;
    if let Some(r) = rest.strip_prefix("WHEN ") {
        let (cond, a) = paren_group(r, 0)?;
        when = Some(cond.to_string());
        rest = r.get(a..)?.trim_start();
    }
    let call = rest.strip_prefix("EXECUTE FUNCTION ")?;
    let open = call.find('(')?;
    let func = call.get(..open)?.to_string();
    let (args, _) = paren_group(call, open)?;
    let mut events = Vec::new();
    let mut of: Vec<String> = Vec::new();
    for e in events_text.split(" OR ") {
        if let Some(cols) = e.strip_prefix("UPDATE OF ") {
            events.push("update".to_string());
            of = cols.split(", ").map(|c| c.trim().to_string()).collect();
        } else {
            events.push(e.trim().to_ascii_lowercase());
        }
    }
    let key = match timing {
        "BEFORE " => "before",
        "AFTER " => "after",
        _ => "instead_of",
    };
    let mut s = String::new();
    let _ = writeln!(s, "{pad}{key}: {}", flow_list(&events));
    if !of.is_empty() {
        let _ = writeln!(s, "{pad}of: {}", flow_list(&of));
    }
    if level == "statement" {
        let _ = writeln!(s, "{pad}for_each: statement");
    }
    if let Some(w) = when {
        let _ = writeln!(s, "{pad}when: {}", scalar(&w));
    }
    let func = func
        .strip_prefix("public.")
        .map_or(func.clone(), str::to_string);
    let _ = writeln!(s, "{pad}function: {}", scalar(&func));
    if !args.trim().is_empty() {
        let v: Vec<String> = split_top(args)
            .iter()
            .map(|a| {
                a.strip_prefix('\'')
                    .and_then(|x| x.strip_suffix('\''))
                    .map_or(a.clone(), |x| x.replace("''", "'"))
            })
            .collect();
        let _ = writeln!(s, "{pad}args: {}", flow_list(&v));
    }
    Some(s)
}

fn partition_bound(bound: &str) -> Option<String> {
    if bound == "DEFAULT" {
        return Some("{ default: true }".to_string());
    }
    let b = bound.strip_prefix("FOR VALUES ")?;
    if let Some(r) = b.strip_prefix("FROM ") {
        let (from, a) = paren_group(r, 0)?;
        let r = r.get(a..)?.trim().strip_prefix("TO ")?;
        let (to, _) = paren_group(r, 0)?;
        return Some(format!("{{ from: {}, to: {} }}", scalar(from), scalar(to)));
    }
    if let Some(r) = b.strip_prefix("IN ") {
        let (vals, _) = paren_group(r, 0)?;
        let v: Vec<String> = split_top(vals);
        return Some(format!("{{ in: {} }}", flow_list(&v)));
    }
    if let Some(r) = b.strip_prefix("WITH ") {
        let (args, _) = paren_group(r, 0)?;
        let mut m = None;
        let mut rem = None;
        for part in split_top(args) {
            if let Some(x) = part.strip_prefix("modulus ") {
                m = Some(x.to_string());
            }
            if let Some(x) = part.strip_prefix("remainder ") {
                rem = Some(x.to_string());
            }
        }
        return Some(format!("{{ modulus: {}, remainder: {} }}", m?, rem?));
    }
    None
}

fn table(
    cx: &mut Cx<'_>,
    t: &TableInfo,
    partitions: &BTreeSet<(String, String)>,
    privs: &Privs,
) -> Option<String> {
    let catalog = cx.catalog;
    let qname = format!("{}.{}", t.schema, t.name);
    if t.kind == "f" {
        cx.leave_out(
            "foreign table",
            qname,
            "the model has no foreign tables",
            String::new(),
        );
        return None;
    }
    let on = |s: &str, n: &str| s == t.schema && n == t.name;
    let cols: Vec<&crate::introspect::ColumnInfo> = catalog
        .columns
        .iter()
        .filter(|c| on(&c.schema, &c.table))
        .collect();
    let cons: Vec<&ConstraintInfo> = catalog
        .constraints
        .iter()
        .filter(|c| on(&c.schema, &c.table))
        .collect();
    // Constraints the columns carry (shorthands), by column.
    let mut col_keys: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut table_level: Vec<&ConstraintInfo> = Vec::new();
    let mut excludes: Vec<String> = Vec::new();
    let mut pk_single: Option<&str> = None;
    for c in &cons {
        let single = match c.columns.as_slice() {
            [one] => Some(one.as_str()),
            _ => None,
        };
        if !c.validated {
            cx.leave_out(
                "constraint",
                format!("{qname}.{}", c.name),
                "NOT VALID: the model's constraints are validated",
                c.definition.clone(),
            );
            continue;
        }
        match (c.kind.as_str(), single) {
            ("p", Some(col)) if c.name == format!("{}_pkey", t.name) => pk_single = Some(col),
            // A primary key named other than `<table>_pkey` is written at table level with its name.
            ("p", _) => table_level.push(c),
            ("u", Some(col))
                if c.name == format!("{}_{col}_key", t.name)
                    && !c.definition.contains("NULLS NOT DISTINCT") =>
            {
                col_keys
                    .entry(col)
                    .or_default()
                    .push("unique: true".to_string());
            }
            ("c", Some(col)) if c.name == format!("{}_{col}_check", t.name) => {
                let e = c.check.as_deref().unwrap_or("");
                col_keys
                    .entry(col)
                    .or_default()
                    .push(format!("check: {}", scalar(&reparseable(unparen(e)))));
            }
            ("f", Some(col)) if c.name == format!("{}_{col}_fkey", t.name) => {
                let (ts, tt) = c.target.clone().unwrap_or_default();
                let tc = c.target_columns.first().cloned().unwrap_or_default();
                let v = col_keys.entry(col).or_default();
                v.push(format!(
                    "references: {}",
                    scalar(&format!("{}.{tc}", local(&ts, &tt)))
                ));
                if let Some(a) = fk_action(&c.actions.1) {
                    v.push(format!(
                        "on_delete: {}",
                        delete_action(a, &c.delete_set_columns)
                    ));
                }
                if let Some(a) = fk_action(&c.actions.0) {
                    v.push(format!("on_update: {a}"));
                }
                match c.deferrable {
                    (true, true) => v.push("deferrable: initially_deferred".to_string()),
                    (true, false) => v.push("deferrable: true".to_string()),
                    _ => {}
                }
            }
            ("x", _) => match exclude::exclusion(&t.name, c) {
                Some(text) => excludes.push(text),
                None => cx.leave_out(
                    "exclusion constraint",
                    format!("{qname}.{}", c.name),
                    "its definition has a form the model cannot write (an operator class, collation or order on an element)",
                    c.definition.clone(),
                ),
            },
            (k, _) if ["u", "c", "f"].contains(&k) => table_level.push(c),
            _ => cx.leave_out(
                "constraint",
                format!("{qname}.{}", c.name),
                "a kind of constraint the model cannot write",
                c.definition.clone(),
            ),
        }
    }
    let mut s = String::new();
    let _ = writeln!(s, "  {}:", scalar(&local(&t.schema, &t.name)));
    if let Some(d) = &t.description {
        text_field(&mut s, 4, "description", d);
    }
    s.push_str("    columns:\n");
    for c in &cols {
        let mut keys: Vec<String> = Vec::new();
        let is_pk = pk_single == Some(c.name.as_str());
        if is_pk {
            keys.push("primary_key: true".to_string());
        }
        let pk_member = is_pk
            || table_level
                .iter()
                .any(|k| k.kind == "p" && k.columns.contains(&c.name));
        if !c.not_null && !pk_member {
            keys.push("nullable: true".to_string());
        }
        match (c.identity.as_str(), c.generated.as_str(), &c.default) {
            ("a", _, _) => keys.push("identity: always".to_string()),
            ("d", _, _) => keys.push("identity: by_default".to_string()),
            (_, "s", Some(g)) => keys.push(format!("generated: {}", scalar(&reparseable(g)))),
            (_, _, Some(d)) if d.starts_with("nextval(") => {
                cx.leave_out(
                    "column default",
                    format!("{qname}.{}", c.name),
                    "a sequence default (serial): the model uses identity columns; the column is imported without it",
                    format!(
                        "ALTER TABLE {qname} ALTER COLUMN {} SET DEFAULT {d}",
                        crate::sql::ident::quote_ident(&c.name)
                    ),
                );
            }
            (_, _, Some(d)) => {
                keys.push(format!(
                    "default: {}",
                    scalar(&default_text(d, &c.data_type))
                ));
            }
            _ => {}
        }
        if let Some(more) = col_keys.get(c.name.as_str()) {
            keys.extend(more.iter().cloned());
        }
        let mut ty = local_type(&c.data_type);
        if let Some(base) = cx.domains.get(&c.data_type).cloned() {
            cx.leave_out(
                "column type",
                format!("{qname}.{}", c.name),
                &format!(
                    "its type is the domain `{}`: the column is imported with the domain's base type",
                    c.data_type
                ),
                format!(
                    "ALTER TABLE {qname} ALTER COLUMN {} TYPE {}",
                    crate::sql::ident::quote_ident(&c.name),
                    c.data_type
                ),
            );
            ty = local_type(&base);
        }
        let name = scalar(&c.name);
        match &c.description {
            None if keys.is_empty() => {
                let _ = writeln!(s, "      {name}: {}", scalar(&ty));
            }
            None => {
                let _ = writeln!(
                    s,
                    "      {name}: {{ type: {}, {} }}",
                    scalar(&ty),
                    keys.join(", ")
                );
            }
            Some(d) => {
                let _ = writeln!(s, "      {name}:");
                let _ = writeln!(s, "        type: {}", scalar(&ty));
                for k in &keys {
                    let _ = writeln!(s, "        {k}");
                }
                text_field(&mut s, 8, "description", d);
            }
        }
    }
    let mut uniques = Vec::new();
    let mut checks = Vec::new();
    let mut fks = Vec::new();
    for c in &table_level {
        match c.kind.as_str() {
            "p" if c.name == format!("{}_pkey", t.name) => {
                let _ = writeln!(s, "    primary_key: {}", flow_list(&c.columns));
            }
            "p" => {
                let _ = writeln!(
                    s,
                    "    primary_key: {{ columns: {}, name: {} }}",
                    flow_list(&c.columns),
                    scalar(&c.name)
                );
            }
            "u" => {
                let mut parts = vec![format!("columns: {}", flow_list(&c.columns))];
                let generated = format!("{}_{}_key", t.name, c.columns.join("_"));
                if c.name != generated {
                    parts.push(format!("name: {}", scalar(&c.name)));
                }
                if c.definition.contains("NULLS NOT DISTINCT") {
                    parts.push("nulls_distinct: false".to_string());
                }
                uniques.push(format!("      - {{ {} }}\n", parts.join(", ")));
            }
            "c" => checks.push(format!(
                "      {}: {}\n",
                scalar(&c.name),
                scalar(&reparseable(unparen(c.check.as_deref().unwrap_or(""))))
            )),
            _ => {
                let (ts, tt) = c.target.clone().unwrap_or_default();
                let mut f = format!(
                    "      - columns: {}\n        references: {{ table: {}, columns: {} }}\n",
                    flow_list(&c.columns),
                    scalar(&local(&ts, &tt)),
                    flow_list(&c.target_columns)
                );
                if let Some(a) = fk_action(&c.actions.1) {
                    let _ = writeln!(
                        f,
                        "        on_delete: {}",
                        delete_action(a, &c.delete_set_columns)
                    );
                }
                if let Some(a) = fk_action(&c.actions.0) {
                    let _ = writeln!(f, "        on_update: {a}");
                }
                match c.deferrable {
                    (true, true) => f.push_str("        deferrable: initially_deferred\n"),
                    (true, false) => f.push_str("        deferrable: true\n"),
                    _ => {}
                }
                let _ = writeln!(f, "        name: {}", scalar(&c.name));
                fks.push(f);
            }
        }
    }
    if !uniques.is_empty() {
        s.push_str("    unique:\n");
        s.push_str(&uniques.concat());
    }
    if !checks.is_empty() {
        s.push_str("    checks:\n");
        s.push_str(&checks.concat());
    }
    if !fks.is_empty() {
        s.push_str("    foreign_keys:\n");
        s.push_str(&fks.concat());
    }
    if !excludes.is_empty() {
        s.push_str("    exclude:\n");
        s.push_str(&excludes.concat());
    }
    let mut ix = String::new();
    for i in catalog
        .indexes
        .iter()
        .filter(|i| on(&i.schema, &i.table) && !i.constraint)
    {
        match index(&t.name, i) {
            Some(text) => {
                let _ = writeln!(ix, "      - {text}");
            }
            None => cx.leave_out(
                "index",
                format!("{}.{}", i.schema, i.name),
                "its definition has a form the model cannot write",
                i.definition.clone(),
            ),
        }
    }
    if !ix.is_empty() {
        s.push_str("    indexes:\n");
        s.push_str(&ix);
    }
    let pols: Vec<&crate::introspect::PolicyInfo> = catalog
        .policies
        .iter()
        .filter(|p| on(&p.schema, &p.table))
        .collect();
    if t.rls_enabled || t.rls_forced || !pols.is_empty() {
        s.push_str("    rls:\n");
        if !t.rls_enabled {
            s.push_str("      enabled: false\n");
        }
        if t.rls_forced {
            s.push_str("      force: true\n");
        }
        if !pols.is_empty() {
            s.push_str("      policies:\n");
        }
        for p in pols {
            policy(cx, p, 8, &mut s);
        }
    }
    let mut trs = String::new();
    for tr in catalog.triggers.iter().filter(|x| on(&x.schema, &x.table)) {
        match trigger(&tr.definition, 8) {
            Some(body) => {
                let _ = writeln!(trs, "      {}:", scalar(&tr.name));
                trs.push_str(&body);
                replication::trigger_enabled(&tr.enabled, 8, &mut trs);
                if let Some(d) = &tr.description {
                    text_field(&mut trs, 8, "description", d);
                }
            }
            None => cx.leave_out(
                "trigger",
                format!("{qname}.{}", tr.name),
                "its definition has a form the model cannot write",
                tr.definition.clone(),
            ),
        }
    }
    if !trs.is_empty() {
        s.push_str("    triggers:\n");
        s.push_str(&trs);
    }
    if let Some(key) = &t.partition_key {
        let (by, cols) = key.split_once(' ')?;
        let cols = cols.trim().strip_prefix('(')?.strip_suffix(')')?;
        let _ = writeln!(s, "    partition:");
        let _ = writeln!(s, "      by: {}", by.to_ascii_lowercase());
        let _ = writeln!(s, "      columns: {}", flow_list(&split_top(cols)));
        let parts: Vec<&TableInfo> = catalog
            .tables
            .iter()
            .filter(|p| {
                p.partition_of
                    .as_ref()
                    .is_some_and(|(ps, pt, _)| ps == &t.schema && pt == &t.name)
            })
            .collect();
        if !parts.is_empty() {
            s.push_str("      partitions:\n");
        }
        for p in parts {
            let bound = p.partition_of.as_ref().map_or("", |x| x.2.as_str());
            match partition_bound(bound) {
                // Partitions are named bare; they are in the parent's schema.
                Some(b) if p.partition_key.is_none() && p.schema == t.schema => {
                    let _ = writeln!(s, "        {}: {b}", scalar(&p.name));
                }
                _ => cx.leave_out(
                    "partition",
                    format!("{}.{}", p.schema, p.name),
                    "a bound or sub-partitioning the model cannot write",
                    format!(
                        "CREATE TABLE {}.{} PARTITION OF {qname} {bound}",
                        p.schema, p.name
                    ),
                ),
            }
        }
    }
    let _ = partitions;
    if let Some(d) = cx.citus.get(&(t.schema.clone(), t.name.clone())) {
        let _ = writeln!(s, "    distribution: {d}");
    }
    if realtime(cx.supabase, catalog, &t.schema, &t.name) {
        s.push_str("    realtime: true\n");
    }
    replication::replica_identity(t, &mut s);
    if let Some(p) = privs.0.get(&(t.schema.clone(), t.name.clone())) {
        s.push_str(p);
    }
    cx.count("tables");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(unparen("(a = b)"), "a = b");
        assert_eq!(unparen("(a) = (b)"), "(a) = (b)");
        assert_eq!(unparen("( SELECT f(x) AS f)"), "( SELECT f(x) AS f)");
        assert_eq!(unparen("(selected = 1)"), "selected = 1");
        assert_eq!(default_text("'x'::text", "text"), "'x'");
        assert_eq!(default_text("'a'::public.status", "public.status"), "'a'");
        assert_eq!(default_text("now()", "timestamp with time zone"), "now()");
        assert_eq!(
            split_top("a, f(b, c), 'x,y'"),
            vec!["a", "f(b, c)", "'x,y'"]
        );
    }
}
