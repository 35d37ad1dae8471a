//! The built-in documentation templates as Rust: `database.md.j2` and `er.mmd.j2`.
//!
//! Input: the view structs of [`super::markdown`] and [`super::mermaid`]. Output: exactly the text
//! the built-in template renders from the same view (before the [`super::normalise`] and
//! [`super::docs::collapse_blank_lines`] steps both paths share), written straight into one
//! `String`. Invariants: used only when the project does not override the template (an override
//! is rendered by minijinja with the same view); every template change must be made here too,
//! and `tests/builtin_templates.rs` renders both on every example and edge model and compares
//! them byte for byte. The comments quote the template line each part writes.
//!
//! Why: on a 2,000-table model minijinja spent most of the documentation time converting the view
//! into its values and calling filters per cell; this writes the same bytes without either.

use std::fmt::Write as _;

use super::markdown::{
    CoverageCell, DatabaseView, FunctionView, IndexView, Link, PrivilegeView, TableView,
    TriggerView, ViewView, code_cell, code_span, fence,
};
use super::mermaid::ErView;

/// The heading and table head of the schema privileges (as in `database.md.j2`).
const SCHEMA_PRIVILEGES_HEAD: &str = "\n**Schema privileges** (effective: PostgreSQL's and the preset's defaults, then the model's revokes and grants; a role without USAGE cannot use any object of the schema):\n\n| schema | role | privileges |\n|---|---|---|\n";

/// Jinja truthiness of an optional string: present and not empty.
fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// Whether `text` is written into a code span as it is: not blank, and no line break, backtick
/// or `also` (the common case of [`code_span`] and, with `|`, of [`code_cell`]).
fn plain(text: &str, also: u8) -> bool {
    text.bytes()
        .all(|b| !matches!(b, b'\n' | b'\r' | b'`') && b != also)
        && !text.trim().is_empty()
}

/// The output text with the template's filters as methods.
struct Out {
    s: String,
}

impl Out {
    fn t(&mut self, text: &str) {
        self.s.push_str(text);
    }

    /// A `###` heading, then the description (when there is one) as its own paragraph.
    fn heading(&mut self, heading: &str, description: &Option<String>) {
        self.t("\n### ");
        self.t(heading);
        self.t("\n");
        if let Some(d) = some(description) {
            self.t("\n");
            self.t(d);
            self.t("\n");
        }
    }

    fn num(&mut self, n: usize) {
        // Writing to a String cannot fail.
        let _ = write!(self.s, "{n}");
    }

    /// `| code`
    fn code(&mut self, text: &str) {
        self.code_or(text, b'`', code_span);
    }

    /// `| code_cell`
    fn code_cell(&mut self, text: &str) {
        self.code_or(text, b'|', code_cell);
    }

    /// `| code_cell` when `cell`, else `| code`.
    fn code_as(&mut self, text: &str, cell: bool) {
        if cell {
            self.code_cell(text);
        } else {
            self.code(text);
        }
    }

    /// `text` in backticks when it is [`plain`] (without `also`), else what `slow` makes of it.
    fn code_or(&mut self, text: &str, also: u8, slow: fn(&str) -> String) {
        if plain(text, also) {
            self.s.push('`');
            self.s.push_str(text);
            self.s.push('`');
        } else {
            self.s.push_str(&slow(text));
        }
    }

    /// `| cell`
    fn cell(&mut self, text: &str) {
        let trimmed = text.trim_end();
        if trimmed.contains(['|', '\n', '\r']) {
            self.s.push_str(&super::markdown::cell(text));
        } else {
            self.s.push_str(trimmed);
        }
    }

    /// `(x or "") | cell`
    fn opt_cell(&mut self, text: &Option<String>) {
        if let Some(t) = some(text) {
            self.cell(t);
        }
    }

    /// `| block(lang)`
    fn block(&mut self, text: &str, lang: &str) {
        let f = fence(text);
        self.s.push_str(&f);
        self.s.push_str(lang);
        self.s.push('\n');
        self.s.push_str(text);
        self.s.push('\n');
        self.s.push_str(&f);
    }

    /// `| link` (`cell` false) or `| link_cell` (`cell` true).
    fn link(&mut self, l: &Link, cell: bool) {
        match some(&l.anchor) {
            Some(anchor) => {
                self.s.push('[');
                self.code_as(&l.name, cell);
                self.s.push_str("](#");
                self.s.push_str(anchor);
                self.s.push(')');
            }
            None => self.code_as(&l.name, cell),
        }
    }

    /// `{% for x in items %}…{% if not loop.last %}sep{% endif %}{% endfor %}`
    fn list<T>(&mut self, items: &[T], sep: &str, mut each: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.s.push_str(sep);
            }
            each(self, item);
        }
    }

    /// `{{ list | map("code") | join(", ") }}` and `map("code_cell")`.
    fn codes(&mut self, items: &[String], cell: bool) {
        self.list(items, ", ", |o, x| o.code_as(x, cell));
    }

    /// The `privileges(label, list)` macro.
    fn privileges(&mut self, label: &str, list: &[PrivilegeView]) {
        if list.is_empty() {
            return;
        }
        self.t("\n**");
        self.t(label);
        self.t(":** ");
        self.privilege_list(list, false);
        self.t("\n");
    }

    /// `role (privileges); …`, the roles as code cells when `cell` (a function's `granted` /
    /// `revoked` rows).
    fn privilege_list(&mut self, list: &[PrivilegeView], cell: bool) {
        self.list(list, "; ", |o, p| {
            o.code_as(&p.role, cell);
            o.t(" (");
            o.t(&p.privileges.join(", "));
            o.t(")");
        });
    }

    fn index_rows(&mut self, indexes: &[IndexView]) {
        // | {{ i.name | code_cell }} | {{ i.definition | code_cell }} | {{ (i.why or "") | cell }} |
        for i in indexes {
            self.t("| ");
            self.code_cell(&i.name);
            self.t(" | ");
            self.code_cell(&i.definition);
            self.t(" | ");
            self.opt_cell(&i.why);
            self.t(" |\n");
        }
    }

    /// A trigger row's `condition | function(args) |` end.
    fn trigger_tail(&mut self, tr: &TriggerView) {
        if let Some(c) = some(&tr.condition) {
            self.code_cell(c);
        }
        self.t(" | ");
        self.link(&tr.function, true);
        self.t("(");
        self.codes(&tr.args, true);
        self.t(") |\n");
    }
}

/// The text `database.md.j2` renders from `db`.
pub fn database_md(db: &DatabaseView) -> String {
    let diagrams: usize = db.diagrams.iter().map(|d| d.mermaid.len() + 256).sum();
    let tables: usize = db
        .tables
        .iter()
        .map(|t| 2048 + 160 * t.columns.len() + 400 * t.policies.len())
        .sum();
    let mut o = Out {
        s: String::with_capacity(16_384 + diagrams + tables + 256 * db.coverage.rows.len()),
    };
    overview(&mut o, db);
    o.t(ER_INTRO);
    for d in &db.diagrams {
        o.t("\n### ");
        o.t(&d.heading);
        o.t("\n\nSource: [");
        o.code(&d.link);
        o.t("](");
        o.t(&d.link);
        o.t(")");
        if d.compact {
            o.t(". The schema has many tables, so this diagram leaves columns out; the group diagrams show them");
        }
        o.t(".\n\n");
        o.block(d.mermaid.trim(), "mermaid");
        o.t("\n");
    }
    o.t("\n## Tables\n\nIn foreign-key order: a table comes after the tables it references.\n");
    for t in &db.tables {
        table(&mut o, t);
    }
    coverage(&mut o, db);
    enums(&mut o, db);
    types(&mut o, db);
    o.t("\n## Functions\n");
    if db.functions.is_empty() {
        o.t("\nNone.\n");
    }
    for f in &db.functions {
        function(&mut o, f);
    }
    o.t("\n## Views\n");
    if db.views.is_empty() {
        o.t("\nNone.\n");
    }
    for v in &db.views {
        view(&mut o, v);
    }
    if !db.external_triggers.is_empty() {
        o.t("\n## Triggers on platform tables\n\n| trigger | table | fires | for each | condition | function |\n|---|---|---|---|---|---|\n");
        for tr in &db.external_triggers {
            o.t("| ");
            o.code_cell(&tr.name);
            o.t(" | ");
            o.link(&tr.table, true);
            o.t(" | ");
            o.t(&tr.when);
            o.t(" | ");
            o.t(&tr.for_each);
            o.t(" | ");
            o.trigger_tail(tr);
        }
    }
    if !db.external_policies.is_empty() {
        o.t("\n## Policies on platform tables\n\nPolicies the model attaches to tables the platform owns (top-level `policies:`). The RLS\ncoverage matrix covers the model's own tables only.\n");
        for e in &db.external_policies {
            o.t("\n### ");
            o.link(&e.table, false);
            o.t("\n\n**Policies**");
            policies(&mut o, &e.policies);
            o.t("\n");
        }
    }
    if !db.jobs.is_empty() {
        o.t("\n## Scheduled jobs\n\nJobs pg_cron runs in this database (`jobs:`), scheduled by the migrations after everything\nthey use.\n\n| job | schedule | command | active | description |\n|---|---|---|---|---|\n");
        for j in &db.jobs {
            o.t("| ");
            o.code_cell(&j.name);
            o.t(" | ");
            o.code_cell(&j.schedule);
            o.t(" | ");
            o.code_cell(&j.command);
            o.t(" | ");
            o.t(if j.active { "yes" } else { "no (paused)" });
            o.t(" | ");
            o.opt_cell(&j.description);
            o.t(" |\n");
        }
    }
    if !db.publications.is_empty() {
        o.t("\n## Publications\n\nLogical replication publications (`publications:`; Supabase Realtime's is `realtime: true`\non the tables).\n\n| publication | publishes | table | columns | row filter | description |\n|---|---|---|---|---|---|\n");
        for p in &db.publications {
            if p.tables.is_empty() {
                o.t("| ");
                o.code_cell(&p.name);
                o.t(" | ");
                o.t(&p.publish);
                o.t(" | | | | ");
                o.opt_cell(&p.description);
                o.t(" |\n");
            }
            for t in &p.tables {
                o.t("| ");
                o.code_cell(&p.name);
                o.t(" | ");
                o.t(&p.publish);
                o.t(" | ");
                o.code_cell(&t.table);
                o.t(" | ");
                if t.columns.is_empty() {
                    o.t("all");
                } else {
                    o.code_cell(&t.columns);
                }
                o.t(" | ");
                if let Some(f) = some(&t.row_filter) {
                    o.code_cell(f);
                }
                o.t(" | ");
                o.opt_cell(&p.description);
                o.t(" |\n");
            }
        }
    }
    if !db.buckets.is_empty() {
        o.t("\n## Storage buckets\n\nRows of `storage.buckets` the migrations insert and keep as declared (`buckets:`).\n\n| bucket | public | file size limit | allowed MIME types |\n|---|---|---|---|\n");
        for b in &db.buckets {
            o.t("| ");
            o.code_cell(&b.id);
            o.t(if b.public { " | yes | " } else { " | no | " });
            match b.file_size_limit {
                Some(n) => o.t(&format!("{n} bytes")),
                None => o.t("platform default"),
            }
            o.t(" | ");
            if b.allowed_mime_types.is_empty() {
                o.t("any");
            } else {
                o.codes(&b.allowed_mime_types, true);
            }
            o.t(" |\n");
        }
    }
    migrations(&mut o, db);
    o.s
}

fn policies(o: &mut Out, policies: &[crate::render::markdown::PolicyView]) {
    for p in policies {
        o.t("\n\n");
        o.code(&p.name);
        o.t(": ");
        o.t(&p.command);
        o.t(" to ");
        o.codes(&p.roles, false);
        o.t(", ");
        o.t(&p.mode);
        o.t(".");
        if let Some(why) = some(&p.why) {
            o.t(" ");
            o.t(why);
        }
        if let Some(u) = some(&p.using) {
            o.t("\n\nUSING:\n\n");
            o.block(u, "sql");
        }
        if let Some(w) = some(&p.with_check) {
            o.t("\n\nWITH CHECK:\n\n");
            o.block(w, "sql");
        }
    }
}

const ER_INTRO: &str = "\n## Entity-relationship diagrams

Each line goes from the referenced table to the table whose foreign key points at it, labelled
with the foreign key's columns: `||--o{` one to many, `|o--o{` zero-or-one to many (a nullable
foreign key), `||--o|` one to zero-or-one (a unique foreign key). Columns are marked `PK`
(primary key), `FK` (foreign key) and `UK` (unique on its own). Tables from other groups and
platform tables appear without columns.
";

fn overview(o: &mut Out, db: &DatabaseView) {
    o.t("# Database schema

Generated by schemac from the model. Do not edit: change the model and run `schemac build`;
`schemac check` fails when this file differs from what the model produces.

## Overview

- **Engine:** ");
    o.t(&db.engine);
    o.t(" (`preset: ");
    o.t(&db.preset);
    o.t("`)\n- **Default schema:** ");
    o.code(&db.default_schema);
    o.t("\n\n| schema | tables | description |\n|---|---|---|\n");
    for s in &db.schemas {
        o.t("| ");
        o.code_cell(&s.name);
        o.t(" | ");
        o.num(s.tables);
        o.t(" | ");
        o.opt_cell(&s.description);
        o.t(" |\n");
    }
    o.t("\n**Extensions:** ");
    if db.extensions.is_empty() {
        o.t("none");
    }
    o.list(&db.extensions, ", ", |o, e| {
        o.code(&e.name);
        o.t(" (schema ");
        o.code(&e.schema);
        if let Some(v) = some(&e.version) {
            o.t(", version ");
            o.code(v);
        }
        o.t(")");
    });
    o.t(".\n");
    if !db.roles.is_empty() {
        o.t("\n**Roles declared by the model:**\n\n| role | description |\n|---|---|\n");
        for r in &db.roles {
            o.t("| ");
            o.code_cell(&r.name);
            o.t(" | ");
            o.opt_cell(&r.description);
            o.t(" |\n");
        }
    }
    if !db.schema_privileges.is_empty() {
        o.t(SCHEMA_PRIVILEGES_HEAD);
        for p in &db.schema_privileges {
            o.t("| ");
            o.code_cell(&p.schema);
            o.t(" | ");
            o.code_cell(&p.role);
            o.t(" | ");
            o.t(&p.privileges.join(", "));
            o.t(" |\n");
        }
    }
    o.t("\n**Client roles** (the columns of the [RLS coverage](#rls-coverage) matrix): ");
    o.codes(&db.client_roles, false);
    o.t(".\n");
    if !db.default_privileges.is_empty() {
        o.t("\n**Default privileges** (what objects get when they are created):\n\n| schema | for role | objects | change | role | privileges |\n|---|---|---|---|---|---|\n");
        for d in &db.default_privileges {
            o.t("| ");
            o.code_cell(&d.schema);
            o.t(" | ");
            o.cell(&d.for_role);
            o.t(" | ");
            o.t(&d.objects);
            o.t(" | ");
            o.t(&d.change);
            o.t(" | ");
            o.code_cell(&d.role);
            o.t(" | ");
            o.t(&d.privileges);
            o.t(" |\n");
        }
    }
    o.t("\n| objects | count |\n|---|---|\n");
    for c in &db.counts {
        o.t("| ");
        o.t(&c.what);
        o.t(" | ");
        o.num(c.count);
        o.t(" |\n");
    }
    o.t("\n| table | group | columns | RLS | policies | purpose |\n|---|---|---|---|---|---|\n");
    for t in &db.tables {
        o.t("| [");
        o.code_cell(&t.name);
        o.t("](#");
        o.t(&t.anchor);
        o.t(") | ");
        if let Some(g) = some(&t.group) {
            o.cell(g);
        }
        o.t(" | ");
        o.num(t.columns.len());
        o.t(" | ");
        if t.rls_enabled {
            o.t("on");
            if t.rls_forced {
                o.t(" (forced)");
            }
        } else {
            o.t("**off**");
        }
        o.t(" | ");
        o.num(t.policies.len());
        o.t(" | ");
        o.opt_cell(&t.description);
        o.t(" |\n");
    }
}

fn table(o: &mut Out, t: &TableView) {
    o.t("\n### ");
    o.t(&t.heading);
    o.t("\n\n");
    if let Some(d) = some(&t.description) {
        o.t(d);
        o.t("\n\n");
    }
    o.t("- **SQL name:** ");
    o.code(&t.qualified);
    if let Some(g) = some(&t.group) {
        o.t("\n- **Group:** ");
        match some(&t.group_anchor) {
            Some(a) => {
                o.t("[");
                o.code(g);
                o.t("](#");
                o.t(a);
                o.t(")");
            }
            None => o.code(g),
        }
    }
    o.t("\n- **Row Level Security:** ");
    if t.rls_enabled {
        o.t("enabled");
        if t.rls_forced {
            o.t(" and forced (applies to the table owner too)");
        }
    } else {
        o.t("**disabled**: every role with a privilege on the table reaches every row");
    }
    if t.realtime {
        o.t("\n- **Realtime:** member of the `supabase_realtime` publication");
    }
    if let Some(r) = &t.replica_identity {
        o.t("\n- **Replica identity:** ");
        o.t(r);
    }
    if let Some(p) = &t.partition {
        o.t("\n- **Partitioned** by ");
        o.t(&p.by);
        o.t(" (");
        o.codes(&p.columns, false);
        o.t("): ");
        o.list(&p.partitions, "; ", |o, part| {
            o.code(&part.name);
            o.t(" `");
            o.t(&part.bound);
            o.t("`");
        });
    }
    if let Some(c) = &t.citus {
        o.t("\n- **Citus:** ");
        o.t(&c.kind);
        if let Some(col) = &c.column {
            o.t(" by ");
            o.code(col);
        }
        if let Some(g) = &c.group {
            o.t(", co-location group of ");
            o.code(g);
        }
        if let Some(n) = c.shard_count {
            o.t(" (");
            o.t(&n.to_string());
            o.t(" shards)");
        }
    }
    if t.data_rows > 0 {
        o.t("\n- **Reference data:** ");
        o.t(&t.data_rows.to_string());
        o.t(if t.data_rows == 1 { " row" } else { " rows" });
        o.t(" (key ");
        o.codes(&t.data_key, false);
        o.t("), inserted and kept as declared by the migrations");
    }
    o.t("\n\n**Columns**\n\n| column | type | nullable | default | description |\n|---|---|---|---|---|\n");
    for c in &t.columns {
        o.t("| ");
        o.code_cell(&c.name);
        if c.primary_key {
            o.t(" (PK)");
        }
        o.t(" | ");
        o.code_cell(&c.type_sql);
        o.t(if c.nullable { " | yes | " } else { " | no | " });
        if let Some(d) = some(&c.default) {
            o.code_cell(d);
        }
        o.t(" | ");
        o.opt_cell(&c.description);
        o.t(" |\n");
    }
    o.t("\n- **Primary key:** ");
    match &t.primary_key {
        Some(pk) => {
            o.code(&pk.name);
            o.t(" (");
            o.codes(&pk.columns, false);
            o.t(")");
        }
        None => o.t("none"),
    }
    for u in &t.uniques {
        o.t("\n- **Unique:** ");
        o.code(&u.name);
        o.t(" (");
        o.codes(&u.columns, false);
        o.t(")");
        if u.nulls_not_distinct {
            o.t(", NULLS NOT DISTINCT");
        }
    }
    if !t.checks.is_empty() {
        o.t("\n\n**Checks**\n\n| constraint | expression |\n|---|---|\n");
        for c in &t.checks {
            o.t("| ");
            o.code_cell(&c.name);
            o.t(" | ");
            o.code_cell(&c.expr);
            o.t(" |\n");
        }
    }
    if !t.excludes.is_empty() {
        o.t("\n\n**Exclusion constraints**\n\n| constraint | using | elements | where |\n|---|---|---|---|\n");
        for x in &t.excludes {
            o.t("| ");
            o.code_cell(&x.name);
            o.t(" | ");
            o.t(&x.method);
            o.t(" | ");
            o.codes(&x.elements, true);
            o.t(" | ");
            if let Some(p) = &x.predicate {
                o.code_cell(p);
            }
            o.t(" |\n");
        }
    }
    if !t.foreign_keys.is_empty() {
        o.t("\n\n**Foreign keys**\n\n| constraint | columns | references | on delete | on update | relationship |\n|---|---|---|---|---|---|\n");
        for f in &t.foreign_keys {
            o.t("| ");
            o.code_cell(&f.name);
            o.t(" | ");
            o.codes(&f.columns, true);
            o.t(" | ");
            o.link(&f.to, true);
            o.t(" (");
            o.codes(&f.target_columns, true);
            o.t(") | ");
            o.t(&f.on_delete);
            o.t(" | ");
            o.t(&f.on_update);
            if !f.deferrable.is_empty() {
                o.t(", ");
                o.t(&f.deferrable);
            }
            o.t(" | ");
            o.t(&f.cardinality);
            o.t(" |\n");
        }
    }
    if !t.referenced_by.is_empty() {
        o.t("\n\n**Referenced by**\n\n| table | constraint | columns | → columns | on delete | relationship |\n|---|---|---|---|---|---|\n");
        for f in &t.referenced_by {
            o.t("| ");
            o.link(&f.from, true);
            o.t(" | ");
            o.code_cell(&f.name);
            o.t(" | ");
            o.codes(&f.columns, true);
            o.t(" | ");
            o.codes(&f.target_columns, true);
            o.t(" | ");
            o.t(&f.on_delete);
            o.t(" | ");
            o.t(&f.cardinality);
            o.t(" |\n");
        }
    }
    o.t("\n\n**Indexes**");
    if t.indexes.is_empty() {
        o.t(": none besides the primary key and unique constraints.");
    } else {
        o.t("\n\n| index | definition | why |\n|---|---|---|\n");
        o.index_rows(&t.indexes);
    }
    o.t("\n\n**Policies**");
    if t.policies.is_empty() {
        o.t(": none.");
        if t.rls_enabled {
            o.t(" With RLS enabled and no policy, client roles reach no row.");
        }
    }
    policies(o, &t.policies);
    o.t("\n\n**Triggers**");
    if t.triggers.is_empty() {
        o.t(": none.");
    } else {
        o.t("\n\n| trigger | fires | for each | condition | function |\n|---|---|---|---|---|\n");
        for tr in &t.triggers {
            o.t("| ");
            o.code_cell(&tr.name);
            o.t(" | ");
            o.t(&tr.when);
            o.t(" | ");
            o.t(&tr.for_each);
            o.t(" | ");
            o.trigger_tail(tr);
        }
    }
    o.t("\n");
    o.privileges("Grants", &t.grants);
    o.privileges("Revokes", &t.revokes);
}

fn coverage(o: &mut Out, db: &DatabaseView) {
    o.t("\n## RLS coverage

Which rows each client role reaches with each command on each table and view, computed from
the model as `schemac plan`'s access diff computes it: privileges (the model's grants and revokes,
plus the grants the preset implies) × row level security × policies. **denied**: the role lacks
the privilege, so the command fails (42501); **no rows**: RLS is on and no permissive policy
applies; policy names: the rows those permissive policies let through (narrowed by the
restrictive ones in brackets); **all rows**: RLS is off, the role bypasses RLS, a policy is
always true, or a view reads its tables as its owner.");
    if db.coverage.service_role_bypasses {
        o.t(" The `service_role` bypasses RLS.");
    }
    o.t(" Table\nowners bypass RLS unless it is forced.\n\n| table |");
    for c in &db.coverage.columns {
        o.t(" ");
        o.t(&c.command);
        o.t("<br>");
        o.code_cell(&c.role);
        o.t(" |");
    }
    o.t("\n|---|");
    for _ in &db.coverage.columns {
        o.t("---|");
    }
    o.t("\n");
    coverage_rows(o, &db.coverage.rows);
    if !db.coverage.functions.is_empty() {
        o.t("\nFunctions a client role may call (`POST /rest/v1/rpc/<name>` in an exposed schema):\n**denied** without EXECUTE; a SECURITY DEFINER function runs as its owner.\n\n| function |");
        for r in &db.coverage.roles {
            o.t(" EXECUTE<br>");
            o.code_cell(r);
            o.t(" |");
        }
        o.t("\n|---|");
        for _ in &db.coverage.roles {
            o.t("---|");
        }
        o.t("\n");
        coverage_rows(o, &db.coverage.functions);
    }
}

fn coverage_rows(o: &mut Out, rows: &[crate::render::markdown::CoverageRow]) {
    for r in rows {
        o.t("| ");
        o.link(&r.table, true);
        o.t(" |");
        for cell in &r.cells {
            o.t(" ");
            coverage_cell(o, cell);
            o.t(" |");
        }
        o.t("\n");
    }
}

fn coverage_cell(o: &mut Out, cell: &CoverageCell) {
    match cell.state.as_str() {
        "filtered" if !cell.allowed_by.is_empty() => {
            o.codes(&cell.allowed_by, true);
            if !cell.restricted_by.is_empty() {
                o.t(" (restricted by ");
                o.codes(&cell.restricted_by, true);
                o.t(")");
            }
        }
        "filtered" => o.t(&cell.why.as_deref().unwrap_or("").replace('|', "\\|")),
        "all" => {
            o.t("**all rows**");
            if let Some(why) = &cell.why {
                o.t(" (");
                o.t(&why.replace('|', "\\|"));
                o.t(")");
            }
        }
        "no-rows" => o.t("**no rows**"),
        state => {
            o.t("**");
            o.t(state);
            o.t("**");
        }
    }
}

fn enums(o: &mut Out, db: &DatabaseView) {
    o.t("\n## Enums\n");
    if db.enums.is_empty() {
        o.t("\nNone.\n");
    }
    for e in &db.enums {
        o.heading(&e.heading, &e.description);
        o.t("\nValues, in order: ");
        o.codes(&e.values, false);
        o.t(".");
        if !e.used_by.is_empty() {
            o.t("\nUsed by: ");
            o.list(&e.used_by, ", ", |o, u| o.link(u, false));
            o.t(".");
        }
        o.t("\n");
    }
}

/// Domains and composite types (nothing when the model has none).
fn types(o: &mut Out, db: &DatabaseView) {
    if db.types.is_empty() {
        return;
    }
    o.t("\n## Domains and composite types\n\nIn dependency order: a type comes after the types it is built from.\n");
    for t in &db.types {
        o.heading(&t.heading, &t.description);
        if t.definition.is_empty() {
            o.t("\n| field | type |\n|---|---|\n");
        } else {
            o.t("\n");
            o.code(&t.definition);
            o.t("\n");
            if !t.parts.is_empty() {
                o.t("\n| check | expression |\n|---|---|\n");
            }
        }
        for (n, x) in &t.parts {
            o.t("| ");
            o.code_cell(n);
            o.t(" | ");
            o.code_cell(x);
            o.t(" |\n");
        }
        if !t.used_by.is_empty() {
            o.t("\nUsed by: ");
            o.list(&t.used_by, ", ", |o, u| o.link(u, false));
            o.t(".\n");
        }
    }
}

fn function(o: &mut Out, f: &FunctionView) {
    o.heading(&f.heading, &f.description);
    o.t("\n| | |\n|---|---|\n| signature | ");
    o.code_cell(&f.signature);
    o.t(" |\n| returns | ");
    o.code_cell(&f.returns);
    o.t(" |\n| language | ");
    o.cell(&f.language);
    o.t(" |\n| volatility | ");
    o.t(&f.volatility);
    if f.strict {
        o.t(", strict");
    }
    if f.leakproof {
        o.t(", leakproof");
    }
    if let Some(p) = some(&f.parallel) {
        o.t(", parallel ");
        o.t(p);
    }
    o.t(" |\n| security | ");
    o.t(if f.security_definer {
        "**definer** (runs with its owner's rights)"
    } else {
        "invoker"
    });
    o.t(" |\n| search_path | ");
    match some(&f.search_path) {
        Some(p) => o.code_cell(p),
        None => o.t("not set (the caller's)"),
    }
    o.t(" |");
    if !f.called_by.is_empty() {
        o.t("\n| called by | ");
        o.list(&f.called_by, ", ", |o, c| o.link(c, true));
        o.t(" |");
    }
    if !f.grants.is_empty() {
        o.t("\n| granted | ");
        o.privilege_list(&f.grants, true);
        o.t(" |");
    }
    if !f.revokes.is_empty() {
        o.t("\n| revoked | ");
        o.privilege_list(&f.revokes, true);
        o.t(" |");
    }
    o.t("\n");
}

fn view(o: &mut Out, v: &ViewView) {
    o.heading(&v.heading, &v.description);
    o.t("\n");
    o.t(if v.materialized {
        "Materialized: refresh with `REFRESH MATERIALIZED VIEW`."
    } else if v.security_invoker {
        "Runs with the caller's rights (`security_invoker`), so RLS on the tables it reads applies."
    } else {
        "Runs with its owner's rights (`security_invoker` off): RLS on the tables it reads is checked as the owner."
    });
    if !v.reads.is_empty() {
        o.t(" Reads: ");
        o.list(&v.reads, ", ", |o, r| o.link(r, false));
        o.t(".");
    }
    o.t("\n\n");
    o.block(&v.query, "sql");
    if !v.indexes.is_empty() {
        o.t("\n\n| index | definition | why |\n|---|---|---|\n");
        o.index_rows(&v.indexes);
    }
    o.t("\n");
    o.privileges("Grants", &v.grants);
    o.privileges("Revokes", &v.revokes);
}

fn migrations(o: &mut Out, db: &DatabaseView) {
    let m = &db.migrations;
    o.t("\n## Migrations\n");
    if m.supabase_layout {
        o.t("\nschemac writes migrations to ");
        o.code(&m.dir);
        o.t(", where the Supabase CLI applies them:
`<version>_<slug>.sql` applies a change and `down/<version>_<slug>.down.sql` undoes it (the CLI
does not read `down/`). A new version is the latest one in the folder plus one, so it sorts after
the project's own migrations. ");
        o.code(&m.sum);
        o.t(" holds running checksums, so
`schemac check` catches an edited, removed or reordered file. Never edit a migration that was
applied anywhere; change the model and build the next one.");
        if !m.names.is_empty() {
            o.t("\n\n| migration | up | down |\n|---|---|---|\n");
            for n in &m.names {
                o.t("| ");
                o.code_cell(n);
                o.t(" | ");
                o.code_cell(&format!("{n}.sql"));
                o.t(" | ");
                o.code_cell(&format!("down/{n}.down.sql"));
                o.t(" |\n");
            }
        }
        o.t("\n\n**Apply** with the Supabase CLI, which runs each file in order, once, and records it in
`supabase_migrations.schema_migrations` (`schemac migrate` leaves this layout to it):

```sh
supabase db push          # the linked project: the files it has not applied yet
supabase migration up     # the local database
```

**Roll back** the last migration by applying its down file, then mark it reverted in the CLI's
history:

```sh
psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 -f ");
        o.t(&m.dir);
        o.t("/down/<version>_<slug>.down.sql
supabase migration repair --status reverted <version>
```
");
    } else {
        o.t("\nschemac writes numbered migrations to ");
        o.code(&m.dir);
        o.t(": `NNNN_<slug>.sql` applies a
change and `NNNN_<slug>.down.sql` undoes it; `schemac.sum` holds running checksums, so
`schemac check` catches an edited, removed or reordered file. Never edit a migration that was
applied anywhere; change the model and build the next one.");
        if !m.names.is_empty() {
            o.t("\n\n| migration | up | down |\n|---|---|---|\n");
            for n in &m.names {
                o.t("| ");
                o.code_cell(n);
                o.t(" | ");
                o.code_cell(&format!("{n}.sql"));
                o.t(" | ");
                o.code_cell(&format!("{n}.down.sql"));
                o.t(" |\n");
            }
        }
        o.t("\n\n**Apply** the files in order, each once, with psql (`ON_ERROR_STOP` makes psql stop, and the
file's transaction roll back, at the first error):

```sh
for f in $(ls ");
        o.t(&m.dir);
        o.t("/[0-9]*.sql | grep -v '\\.down\\.sql$'); do
  psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 -f \"$f\" || break
done
```
");
        if m.supabase {
            o.t("
**With the Supabase CLI:** copy each up file into `supabase/migrations/` under the CLI's
timestamped name, keeping the order (for example `0001_init.sql` →
`supabase/migrations/20250101000001_init.sql`), then run `supabase db reset` to rebuild the local
database from them, or `supabase db push` to apply the new ones to the linked project. Do not copy
the `.down.sql` files there: the CLI would apply them as migrations.
");
        }
        o.t("
**Roll back** the last migration by applying its down file, newest first:

```sh
psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 -f ");
        o.t(&m.dir);
        o.t("/NNNN_<slug>.down.sql
```
");
    }
    o.t("
A down file drops what its up file created, data included: take a backup first.

**Zero-downtime notes** for the statements schemac emits:

- Each file is one transaction (`BEGIN` … `COMMIT`): it applies completely or not at all.
- Each file starts with:

  ```sql
");
    for s in &m.settings {
        o.t("  ");
        o.t(s);
        o.t("\n");
    }
    o.t("  ```");
    if let Some(lt) = some(&m.lock_timeout) {
        o.t("\n- `lock_timeout = ");
        o.t(lt);
        o.t("`: a statement that waits longer than that for a
  lock (for example a trigger on a busy platform table) fails and rolls the file back instead of
  queueing every other query behind it; run it again when traffic is lower.");
    }
    if let Some(st) = some(&m.statement_timeout) {
        o.t("\n- `statement_timeout = ");
        o.t(st);
        o.t("`: no statement runs longer than that.");
    }
    o.t("
- The first migration creates objects only: its `CREATE INDEX` statements run on new, empty tables,
  so they are not `CONCURRENTLY` and finish at once. Adding an index to a large, busy table needs
  `CREATE INDEX CONCURRENTLY` outside a transaction, in a file of its own.
- Creating a trigger or a policy, enabling RLS, and granting or revoking take a short exclusive
  lock on the table; within the lock timeout they do not block traffic for long.");
}

/// The text `er.mmd.j2` renders from `er`.
pub fn er_mmd(er: &ErView) -> String {
    let attributes: usize = er.entities.iter().map(|e| e.attributes.len()).sum();
    let mut o = String::with_capacity(
        256 + 48 * er.entities.len() + 48 * attributes + 96 * er.relationships.len(),
    );
    o.push_str("%% ER diagram of ");
    o.push_str(&er.title);
    o.push_str(": generated by schemac from the model. Do not edit: change the model\n%% and run `schemac build`.");
    if er.compact {
        o.push_str(" Columns are left out: the schema is large.");
    }
    o.push_str("\nerDiagram");
    for e in &er.entities {
        o.push_str("\n    ");
        o.push_str(&e.name);
        if e.attributes.is_empty() {
            continue;
        }
        o.push_str(" {");
        for a in &e.attributes {
            o.push_str("\n        ");
            o.push_str(&a.r#type);
            o.push(' ');
            o.push_str(&a.name);
            if !a.keys.is_empty() {
                o.push(' ');
                o.push_str(&a.keys);
            }
            if !a.comment.is_empty() {
                o.push(' ');
                o.push_str(&a.comment);
            }
        }
        o.push_str("\n    }");
    }
    for r in &er.relationships {
        o.push_str("\n    ");
        o.push_str(&r.left);
        o.push(' ');
        o.push_str(&r.cardinality);
        o.push(' ');
        o.push_str(&r.right);
        o.push_str(" : ");
        o.push_str(&r.label);
    }
    o
}
