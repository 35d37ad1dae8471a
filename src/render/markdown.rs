//! DATABASE.md: the model → plain view structs for `database.md.j2`, and the Markdown escaping
//! filters the template uses.
//!
//! Input: a resolved, validated [`Model`] with its preset's [`External`] objects, the rendered ER
//! diagrams, and the names of the migrations in the output folder. Output: [`DatabaseView`], a
//! tree of strings, booleans and lists (documented in `docs/templates.md`) that the template lays
//! out. Invariants: every table, column, index, policy, trigger, enum, function and view of the
//! model appears in the view; tables come in foreign-key order (`ir::graph::table_order`, ties by
//! name), everything else in name or declaration order, so the output is deterministic; anchors
//! are GitHub's heading slugs of the headings the view carries (`heading`), made unique the way
//! GitHub does (`-1`, `-2`, …) in document order; SQL text (index definitions, signatures) comes
//! from `sql`, never from the template; nothing here knows a file path except the links it is given.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::access::{Command, Kind, Reach};
use crate::ir::graph::table_order;
use crate::ir::replication::{ReplicaIdentity, TriggerEnabled};
use crate::ir::{
    Deferrable, ForeignKey, Model, Policy, PolicyCommand, Preset, QName, RoutineKind, Table,
    TriggerTiming,
};
use crate::preset::External;
use crate::sql::{self, Stmt};

/// Commands of the RLS coverage matrix, in column order.
pub const COVERAGE_COMMANDS: [PolicyCommand; 4] = [
    PolicyCommand::Select,
    PolicyCommand::Insert,
    PolicyCommand::Update,
    PolicyCommand::Delete,
];

/// Everything `database.md.j2` receives (the template's only variable is `db`).
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseView {
    /// `supabase` or `postgres`.
    pub preset: String,
    /// One line: the engine and platform.
    pub engine: String,
    /// The schema of unqualified names.
    pub default_schema: String,
    /// Schemas holding model objects or declared by the model, by name.
    pub schemas: Vec<SchemaView>,
    /// Extensions the migrations create.
    pub extensions: Vec<ExtensionView>,
    /// Roles the model declares (plain PostgreSQL).
    pub roles: Vec<RoleView>,
    /// The roles of the coverage matrix: the preset's client roles, else the declared roles,
    /// else `public`.
    pub client_roles: Vec<String>,
    /// Object counts.
    pub counts: Vec<CountView>,
    /// ER diagrams: the whole schema first, then one per group.
    pub diagrams: Vec<DiagramView>,
    /// Tables in foreign-key order.
    pub tables: Vec<TableView>,
    /// The RLS coverage matrix.
    pub coverage: CoverageView,
    /// Enum types by name.
    pub enums: Vec<EnumView>,
    /// Functions by name.
    pub functions: Vec<FunctionView>,
    /// Views and materialized views by name.
    pub views: Vec<ViewView>,
    /// Triggers on tables the model does not own (`auth.users`).
    pub external_triggers: Vec<TriggerView>,
    /// Policies on tables the model does not own (`storage.objects`), by table.
    pub external_policies: Vec<ExternalPoliciesView>,
    /// How to apply and roll back the migrations.
    pub migrations: MigrationsView,
    /// Default privileges, one row per scope, class, grant or revoke and role.
    pub default_privileges: Vec<DefaultPrivilegeView>,
    /// Domains and composite types in dependency order (the section is left out when empty).
    pub types: Vec<TypeView>,
    /// Scheduled jobs (pg_cron), by name.
    pub jobs: Vec<JobView>,
    /// Publications other than `supabase_realtime`, by name.
    pub publications: Vec<PublicationView>,
    /// Supabase Storage buckets (`buckets:`), by id.
    pub buckets: Vec<BucketView>,
    /// The effective privileges on every schema whose privileges the model declares, by schema
    /// and role (empty when it declares none, so such a model's DATABASE.md reads the same).
    pub schema_privileges: Vec<SchemaPrivilegeView>,
}

/// One row of the default privileges table.
#[derive(Debug, Clone, Serialize)]
pub struct DefaultPrivilegeView {
    /// The schema, or `every schema`.
    pub schema: String,
    /// `FOR ROLE`, or the role running the migrations.
    pub for_role: String,
    /// The class of objects (`tables`, …).
    pub objects: String,
    /// `grant` or `revoke`.
    pub change: String,
    /// The grantee (`public` for PUBLIC).
    pub role: String,
    /// Privileges, upper case, comma-separated.
    pub privileges: String,
}

fn default_privilege_views(model: &Model) -> Vec<DefaultPrivilegeView> {
    let mut out = Vec::new();
    for dp in &model.default_privileges {
        for s in crate::plan::default_privileges::entry(dp) {
            out.push(DefaultPrivilegeView {
                schema: dp
                    .schema
                    .clone()
                    .unwrap_or_else(|| "every schema".to_string()),
                for_role: dp
                    .for_role
                    .as_ref()
                    .map_or_else(|| "the migrations' role".to_string(), |r| r.value.clone()),
                objects: s.class.key().to_string(),
                change: if s.grant { "grant" } else { "revoke" }.to_string(),
                role: s.role.clone(),
                privileges: s.privileges.join(", ").to_ascii_uppercase(),
            });
        }
    }
    out
}

/// A domain or composite type in DATABASE.md.
#[derive(Debug, Clone, Serialize)]
pub struct TypeView {
    /// Heading text (`Domain `email``, `Composite type `address``).
    pub heading: String,
    /// Anchor.
    pub anchor: String,
    /// Description.
    pub description: Option<String>,
    /// A domain's definition (`citext`, `integer NOT NULL DEFAULT 1`); empty for a composite.
    pub definition: String,
    /// A domain's checks, or a composite's fields: (name, expression or type).
    pub parts: Vec<(String, String)>,
    /// Columns of that type (or arrays of it), with the table's anchor.
    pub used_by: Vec<Link>,
}

/// A publication other than `supabase_realtime`.
#[derive(Debug, Clone, Serialize)]
pub struct PublicationView {
    /// Name.
    pub name: String,
    /// Operations published, comma-separated.
    pub publish: String,
    /// Description, if declared.
    pub description: Option<String>,
    /// Member tables, by name.
    pub tables: Vec<PublishedTableView>,
}

/// A table of a publication.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedTableView {
    /// Qualified table name.
    pub table: String,
    /// Published columns, comma-separated (empty: all).
    pub columns: String,
    /// Row filter on one line, if any.
    pub row_filter: Option<String>,
}

/// A scheduled job (pg_cron).
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    /// Job name.
    pub name: String,
    /// Schedule as written.
    pub schedule: String,
    /// The command on one line (runs of whitespace as one space).
    pub command: String,
    /// Whether it runs (`active: false`: paused).
    pub active: bool,
    /// Description, if declared.
    pub description: Option<String>,
}

/// A Storage bucket line.
#[derive(Debug, Clone, Serialize)]
pub struct BucketView {
    /// The bucket id.
    pub id: String,
    /// Readable without a policy.
    pub public: bool,
    /// Largest object in bytes, when limited.
    pub file_size_limit: Option<u64>,
    /// Allowed MIME types (empty: any).
    pub allowed_mime_types: Vec<String>,
}

/// One role's effective privileges on one schema.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaPrivilegeView {
    /// Schema.
    pub schema: String,
    /// Role (`public` for PUBLIC).
    pub role: String,
    /// Privileges, upper case (`USAGE`, `CREATE`).
    pub privileges: Vec<String>,
}

/// The rows of [`DatabaseView::schema_privileges`].
fn schema_privilege_rows(model: &Model, external: &External) -> Vec<SchemaPrivilegeView> {
    let declared: Vec<&String> = model
        .schemas
        .values()
        .filter(|s| !s.grants.is_empty() || !s.revokes.is_empty())
        .map(|s| &s.name)
        .collect();
    if declared.is_empty() {
        return Vec::new();
    }
    let api = crate::preset::privileges::Api::with_service_role(model, external);
    let access = crate::preset::privileges::Access::of(model, &api);
    let mut rows = Vec::new();
    for name in declared {
        for (role, privs) in access.schemas.get(name).into_iter().flatten() {
            rows.push(SchemaPrivilegeView {
                schema: name.clone(),
                role: role.clone(),
                privileges: privs.iter().map(|p| p.to_ascii_uppercase()).collect(),
            });
        }
    }
    rows
}

/// A schema line of the overview.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaView {
    /// Name.
    pub name: String,
    /// Description, if declared.
    pub description: Option<String>,
    /// How many model tables it holds.
    pub tables: usize,
}

/// An extension.
#[derive(Debug, Clone, Serialize)]
pub struct ExtensionView {
    /// Name.
    pub name: String,
    /// Schema it is installed into.
    pub schema: String,
    /// Pinned version.
    pub version: Option<String>,
}

/// A declared role.
#[derive(Debug, Clone, Serialize)]
pub struct RoleView {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
}

/// One line of the counts table.
#[derive(Debug, Clone, Serialize)]
pub struct CountView {
    /// What is counted (plural noun).
    pub what: String,
    /// How many.
    pub count: usize,
}

/// An ER diagram embedded in DATABASE.md.
#[derive(Debug, Clone, Serialize)]
pub struct DiagramView {
    /// Heading text (`Whole schema`, ``Group `accounts` ``).
    pub heading: String,
    /// The heading's anchor.
    pub anchor: String,
    /// The group, or none for the whole schema.
    pub group: Option<String>,
    /// Link to the `.mmd` file, relative to DATABASE.md.
    pub link: String,
    /// Whether columns were left out (a large schema).
    pub compact: bool,
    /// The diagram's Mermaid text.
    pub mermaid: String,
}

/// A link to a section, or plain text when the target has no section (a platform table).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The name shown.
    pub name: String,
    /// `#anchor`, or none.
    pub anchor: Option<String>,
}

/// A table section.
#[derive(Debug, Clone, Serialize)]
pub struct TableView {
    /// Name for people (schema-qualified outside the default schema).
    pub name: String,
    /// The SQL name (`public.projects`).
    pub qualified: String,
    /// Heading text.
    pub heading: String,
    /// Anchor of the heading.
    pub anchor: String,
    /// Purpose.
    pub description: Option<String>,
    /// Group (domain).
    pub group: Option<String>,
    /// Anchor of the group's diagram.
    pub group_anchor: Option<String>,
    /// Columns in declaration order.
    pub columns: Vec<ColumnView>,
    /// Primary key.
    pub primary_key: Option<KeyView>,
    /// Unique constraints.
    pub uniques: Vec<KeyView>,
    /// Check constraints.
    pub checks: Vec<CheckView>,
    /// Foreign keys this table declares.
    pub foreign_keys: Vec<ForeignKeyView>,
    /// Foreign keys of other tables (and of this one, for self-references) that point here.
    pub referenced_by: Vec<ForeignKeyView>,
    /// Indexes in declaration order.
    pub indexes: Vec<IndexView>,
    /// RLS enabled.
    pub rls_enabled: bool,
    /// RLS forced (applies to the owner too).
    pub rls_forced: bool,
    /// Policies by name.
    pub policies: Vec<PolicyView>,
    /// Triggers by name.
    pub triggers: Vec<TriggerView>,
    /// GRANTs, by role.
    pub grants: Vec<PrivilegeView>,
    /// REVOKEs, by role.
    pub revokes: Vec<PrivilegeView>,
    /// Member of the `supabase_realtime` publication.
    pub realtime: bool,
    /// Partitioning.
    pub partition: Option<PartitionView>,
    /// Placement on a Citus cluster (`None` unless the model targets Citus).
    pub citus: Option<CitusView>,
    /// Its replica identity, with what it means (`None` for the default, the primary key).
    pub replica_identity: Option<String>,
    /// The number of reference rows the migrations insert (`data:`).
    pub data_rows: usize,
    /// The columns that identify those rows.
    pub data_key: Vec<String>,
    /// Exclusion constraints.
    pub excludes: Vec<ExcludeView>,
}

/// An exclusion constraint.
#[derive(Debug, Clone, Serialize)]
pub struct ExcludeView {
    /// Constraint name.
    pub name: String,
    /// Access method.
    pub method: String,
    /// Elements: `column WITH op` or `expression WITH op`.
    pub elements: Vec<String>,
    /// The WHERE predicate as written.
    pub predicate: Option<String>,
}

/// How Citus places a table.
#[derive(Debug, Clone, Serialize)]
pub struct CitusView {
    /// `distributed`, `reference` or `local`, with what it means.
    pub kind: String,
    /// Distribution column (distributed tables).
    pub column: Option<String>,
    /// The table that starts its co-location group (distributed tables).
    pub group: Option<String>,
    /// The group's shard count, when the model sets it.
    pub shard_count: Option<u32>,
}

/// The Citus placement of `t` for DATABASE.md.
fn citus_view(
    model: &Model,
    roots: &BTreeMap<QName, QName>,
    names: &impl Fn(&QName) -> String,
    t: &crate::ir::Table,
) -> Option<CitusView> {
    use crate::ir::citus::{Distribution, Kind, kind};
    if model.target != crate::ir::citus::Target::Citus {
        return None;
    }
    let root = roots.get(&t.name).and_then(|r| model.tables.get(r));
    let shard_count = root
        .and_then(|r| match &r.distribution {
            Some(Distribution::Hash { shard_count, .. }) => shard_count.as_ref(),
            _ => None,
        })
        .map(|s| s.value);
    Some(CitusView {
        kind: match kind(t) {
            Kind::Distributed => "distributed (hash)",
            Kind::Reference => "reference table (a copy on every node)",
            Kind::Local => "local table (on the coordinator only)",
        }
        .to_string(),
        column: crate::ir::citus::distribution_column(t).map(str::to_string),
        group: root.map(|r| names(&r.name)),
        shard_count,
    })
}

/// A column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnView {
    /// Name.
    pub name: String,
    /// Type as PostgreSQL prints it.
    pub type_sql: String,
    /// NULL allowed.
    pub nullable: bool,
    /// Default: the DEFAULT expression, `identity (always)`, or `generated: expr`.
    pub default: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Part of the primary key.
    pub primary_key: bool,
}

/// A primary key or unique constraint.
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    /// Constraint name.
    pub name: String,
    /// Columns.
    pub columns: Vec<String>,
    /// NULLS NOT DISTINCT.
    pub nulls_not_distinct: bool,
}

/// A check constraint.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    /// Constraint name.
    pub name: String,
    /// Expression as written.
    pub expr: String,
}

/// A foreign key, seen from the table that declares it or from the one it points at.
#[derive(Debug, Clone, Serialize)]
pub struct ForeignKeyView {
    /// Constraint name.
    pub name: String,
    /// The declaring table.
    pub from: Link,
    /// Its columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub to: Link,
    /// Its columns.
    pub target_columns: Vec<String>,
    /// ON DELETE words (`CASCADE`).
    pub on_delete: String,
    /// ON UPDATE words.
    pub on_update: String,
    /// Deferrability words, empty when not deferrable.
    pub deferrable: String,
    /// `many-to-one`, `many-to-one, optional`, `one-to-one` or `one-to-one, optional`.
    pub cardinality: String,
}

/// An index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexView {
    /// Name.
    pub name: String,
    /// The CREATE INDEX statement the migration runs.
    pub definition: String,
    /// UNIQUE.
    pub unique: bool,
    /// Rationale.
    pub why: Option<String>,
}

/// A policy.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    /// Name.
    pub name: String,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// Roles (`public` means every role).
    pub roles: Vec<String>,
    /// `permissive` or `restrictive`.
    pub mode: String,
    /// USING expression.
    pub using: Option<String>,
    /// WITH CHECK expression.
    pub with_check: Option<String>,
    /// Rationale.
    pub why: Option<String>,
}

/// The policies the model attaches to a platform table (top-level `policies:`).
#[derive(Debug, Clone, Serialize)]
pub struct ExternalPoliciesView {
    /// The platform table.
    pub table: Link,
    /// Its policies, by name.
    pub policies: Vec<PolicyView>,
}

/// A trigger.
#[derive(Debug, Clone, Serialize)]
pub struct TriggerView {
    /// Name.
    pub name: String,
    /// The table it is on.
    pub table: Link,
    /// `BEFORE UPDATE OF a, b`, `AFTER INSERT OR DELETE`, …
    pub when: String,
    /// `row` or `statement`.
    pub for_each: String,
    /// WHEN condition.
    pub condition: Option<String>,
    /// The function it calls.
    pub function: Link,
    /// Arguments passed to the function.
    pub args: Vec<String>,
    /// Description.
    pub description: Option<String>,
}

/// Privileges of one role.
#[derive(Debug, Clone, Serialize)]
pub struct PrivilegeView {
    /// Role.
    pub role: String,
    /// Privileges, upper case.
    pub privileges: Vec<String>,
}

/// Partitioning of a table.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionView {
    /// `RANGE`, `LIST` or `HASH`.
    pub by: String,
    /// Key columns.
    pub columns: Vec<String>,
    /// Partitions by name, with their bound as SQL.
    pub partitions: Vec<PartitionBoundView>,
}

/// One partition.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionBoundView {
    /// Name.
    pub name: String,
    /// `FOR VALUES …` or `DEFAULT`.
    pub bound: String,
}

/// The RLS coverage matrix.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageView {
    /// Column headers: (command, role) pairs in order, e.g. `SELECT` × `anon`.
    pub columns: Vec<CoverageColumn>,
    /// One row per table, then per view.
    pub rows: Vec<CoverageRow>,
    /// One row per function clients could call (not trigger functions): EXECUTE per role, in
    /// the order of the roles of [`CoverageView::columns`].
    pub functions: Vec<CoverageRow>,
    /// The roles (the columns of [`CoverageView::functions`]).
    pub roles: Vec<String>,
    /// Whether the preset's `service_role` exists (it bypasses RLS).
    pub service_role_bypasses: bool,
}

/// A column of the coverage matrix.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageColumn {
    /// Command.
    pub command: String,
    /// Role.
    pub role: String,
}

/// A row of the coverage matrix.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    /// The table.
    pub table: Link,
    /// RLS enabled.
    pub rls_enabled: bool,
    /// Cells in the order of [`CoverageView::columns`].
    pub cells: Vec<CoverageCell>,
}

/// One cell: how far the role gets with the command (see `schemac::access`).
#[derive(Debug, Clone, Serialize)]
pub struct CoverageCell {
    /// `denied` (no privilege: 42501), `no-rows` (RLS lets no row through), `filtered` (the
    /// rows `allowed_by` let through, narrowed by `restricted_by`) or `all` (every row, `why`).
    pub state: String,
    /// Permissive policies that allow it (filtered table cells).
    pub allowed_by: Vec<String>,
    /// Restrictive policies that also apply (filtered table cells).
    pub restricted_by: Vec<String>,
    /// Why every row (`all`), or what filters it when no policy of its own does (a view through
    /// its tables, a function with the caller's rights).
    pub why: Option<String>,
}

/// An enum type.
#[derive(Debug, Clone, Serialize)]
pub struct EnumView {
    /// Name for people.
    pub name: String,
    /// Heading text.
    pub heading: String,
    /// Anchor.
    pub anchor: String,
    /// Labels in order.
    pub values: Vec<String>,
    /// Description.
    pub description: Option<String>,
    /// Columns of that type (`table.column`), with the table's anchor.
    pub used_by: Vec<Link>,
}

/// A function.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionView {
    /// Name for people.
    pub name: String,
    /// Heading text.
    pub heading: String,
    /// Anchor.
    pub anchor: String,
    /// `schema.name(arg type, …)` with argument names and modes.
    pub signature: String,
    /// Return type as written.
    pub returns: String,
    /// Language.
    pub language: String,
    /// volatile, stable or immutable.
    pub volatility: String,
    /// SECURITY DEFINER.
    pub security_definer: bool,
    /// SET search_path value as SQL (`''`, `public, extensions`), or none.
    pub search_path: Option<String>,
    /// STRICT.
    pub strict: bool,
    /// LEAKPROOF.
    pub leakproof: bool,
    /// PARALLEL.
    pub parallel: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// GRANT EXECUTE, by role.
    pub grants: Vec<PrivilegeView>,
    /// REVOKE EXECUTE, by role.
    pub revokes: Vec<PrivilegeView>,
    /// Triggers that call it (`table.trigger`).
    pub called_by: Vec<Link>,
}

/// A view or materialized view.
#[derive(Debug, Clone, Serialize)]
pub struct ViewView {
    /// Name for people.
    pub name: String,
    /// Heading text.
    pub heading: String,
    /// Anchor.
    pub anchor: String,
    /// MATERIALIZED.
    pub materialized: bool,
    /// security_invoker (plain views).
    pub security_invoker: bool,
    /// Description.
    pub description: Option<String>,
    /// Relations the query reads.
    pub reads: Vec<Link>,
    /// The query as written.
    pub query: String,
    /// Indexes (materialized views).
    pub indexes: Vec<IndexView>,
    /// GRANTs, by role.
    pub grants: Vec<PrivilegeView>,
    /// REVOKEs, by role.
    pub revokes: Vec<PrivilegeView>,
}

/// The migrations section.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationsView {
    /// The migrations folder, relative to the project root as given (`generated/migrations`).
    pub dir: String,
    /// Migration names in order (`0001_init`).
    pub names: Vec<String>,
    /// The `SET LOCAL` statements at the top of every file.
    pub settings: Vec<String>,
    /// The lock timeout of those settings (`'5s'`), if set.
    pub lock_timeout: Option<String>,
    /// The statement timeout (`'5min'`), if set.
    pub statement_timeout: Option<String>,
    /// Whether the model uses the Supabase preset (CLI instructions).
    pub supabase: bool,
    /// Whether the migrations are in the Supabase layout (`supabase/migrations/`, applied by
    /// the Supabase CLI, down files in `down/`).
    pub supabase_layout: bool,
    /// Where `schemac.sum` is (`generated/schemac.sum` in the Supabase layout).
    pub sum: String,
}

/// A diagram as rendered, for the view.
#[derive(Debug, Clone)]
pub struct DiagramInput {
    /// The group, or none for the whole schema.
    pub group: Option<String>,
    /// Link to the `.mmd` file, relative to DATABASE.md.
    pub link: String,
    /// Whether columns were left out.
    pub compact: bool,
    /// Mermaid text.
    pub mermaid: String,
}

/// GitHub's heading anchors: lower case, punctuation and symbols removed, spaces to hyphens,
/// repeated slugs numbered `-1`, `-2`, … in document order.
#[derive(Debug, Default)]
pub struct Slugger {
    seen: BTreeMap<String, usize>,
}

impl Slugger {
    /// The anchor of the next heading with this text (Markdown code spans' backticks are dropped
    /// like any other punctuation).
    pub fn slug(&mut self, heading: &str) -> String {
        // github-slugger: while the candidate was seen, count up the base's occurrences.
        let base = github_slug(heading);
        let mut candidate = base.clone();
        while self.seen.contains_key(&candidate) {
            let n = self.seen.entry(base.clone()).or_insert(0);
            *n += 1;
            candidate = format!("{base}-{n}");
        }
        self.seen.insert(candidate.clone(), 0);
        candidate
    }
}

/// The slug GitHub gives a heading (github-slugger): lower case; letters, digits, marks, `_`
/// and `-` kept; a space becomes `-`; everything else is removed.
pub fn github_slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c == ' ' {
                Some('-')
            } else if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

/// An inline code span holding `text` exactly: the fence is one backtick longer than the longest
/// run of backticks inside, with spaces when the text starts or ends with a backtick. Line breaks
/// become spaces (as CommonMark renders them anyway).
pub fn code_span(text: &str) -> String {
    // The common case (one line, no backtick, not blank) in one allocation.
    if !text.contains(['\n', '\r', '`']) && !text.trim().is_empty() {
        let mut out = String::with_capacity(text.len() + 2);
        out.push('`');
        out.push_str(text);
        out.push('`');
        return out;
    }
    let text = text.replace("\r\n", " ").replace(['\n', '\r'], " ");
    let fence = "`".repeat(longest_run(&text, b'`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// [`code_span`] for a table cell: `|` is escaped as `\|` (GitHub splits cells before it parses
/// code spans, and shows `\|` inside a code span as `|`).
pub fn code_cell(text: &str) -> String {
    let span = code_span(text);
    if span.contains('|') {
        span.replace('|', "\\|")
    } else {
        span
    }
}

/// A foreign key's ON DELETE action for a table cell, with the columns it sets when it lists
/// them (`SET NULL (`editor_id`)`).
fn on_delete_words(fk: &ForeignKey) -> String {
    let words = fk.on_delete.sql();
    if fk.on_delete_columns.is_empty() {
        return words.to_string();
    }
    let cols: Vec<String> = fk
        .on_delete_columns
        .iter()
        .map(|c| code_cell(&c.value))
        .collect();
    format!("{words} ({})", cols.join(", "))
}

/// Text for a table cell: `|` escaped, line breaks as `<br>`.
pub fn cell(text: &str) -> String {
    let text = text.trim_end();
    if !text.contains(['|', '\n', '\r']) {
        return text.to_string();
    }
    text.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

/// The fence of a fenced code block that can hold `text`: at least three backticks, and more than
/// the longest run inside.
pub fn fence(text: &str) -> String {
    "`".repeat((longest_run(text, b'`') + 1).max(3))
}

/// A fenced code block holding `text`, with `lang` after the opening fence (no final newline).
pub fn block(text: &str, lang: &str) -> String {
    let f = fence(text);
    format!("{f}{lang}\n{text}\n{f}")
}

/// The longest run of `ch` (an ASCII character) in `text`.
fn longest_run(text: &str, ch: u8) -> usize {
    // Most texts (a whole ER diagram, SQL) have none: a memchr-style search answers first.
    if !text.as_bytes().contains(&ch) {
        return 0;
    }
    let mut best = 0;
    let mut run = 0;
    // Bytes, not chars: no byte of a multi-byte UTF-8 character is ASCII.
    for &c in text.as_bytes() {
        if c == ch {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

fn privileges(p: &crate::ir::Privileges) -> Vec<PrivilegeView> {
    p.iter()
        .map(|(role, privs)| PrivilegeView {
            role: role.clone(),
            privileges: privs.iter().map(|x| x.to_ascii_uppercase()).collect(),
        })
        .collect()
}

fn policy_applies(p: &Policy, command: PolicyCommand, role: &str) -> bool {
    let command_ok = p.command == PolicyCommand::All || p.command == command;
    let role_ok = p.roles.is_empty()
        || p.roles
            .iter()
            .any(|r| r.value == role || r.value == "public");
    command_ok && role_ok
}

/// The policies that let `role` run `command` on `table`: (permissive, restrictive) names.
pub fn coverage_policies(
    table: &Table,
    command: PolicyCommand,
    role: &str,
) -> (Vec<String>, Vec<String>) {
    let mut allowed_by = Vec::new();
    let mut restricted_by = Vec::new();
    for p in table
        .policies
        .values()
        .filter(|p| policy_applies(p, command, role))
    {
        if p.permissive {
            allowed_by.push(p.name.clone());
        } else {
            restricted_by.push(p.name.clone());
        }
    }
    (allowed_by, restricted_by)
}

/// A cell of the coverage matrix from the access matrix's verdict (and, for a table whose
/// policies filter, their names).
pub fn coverage_cell(reach: &Reach, table: Option<(&Table, PolicyCommand, &str)>) -> CoverageCell {
    let cell = |state: &str, why: Option<String>| CoverageCell {
        state: state.to_string(),
        allowed_by: Vec::new(),
        restricted_by: Vec::new(),
        why,
    };
    match reach {
        Reach::Denied => cell("denied", None),
        Reach::NoRows => cell("no-rows", None),
        Reach::All(why) => cell("all", Some(why.clone())),
        Reach::Filtered(by) => match table {
            Some((t, command, role)) => {
                let (allowed_by, restricted_by) = coverage_policies(t, command, role);
                CoverageCell {
                    state: "filtered".to_string(),
                    allowed_by,
                    restricted_by,
                    why: None,
                }
            }
            None => cell("filtered", Some(by.join("; "))),
        },
    }
}

/// Whether the foreign key's columns are exactly a primary key or unique constraint (or unique
/// index without a predicate) of its table: then at most one row points at each target row.
pub fn fk_is_unique(table: &Table, fk: &ForeignKey) -> bool {
    let cols: BTreeSet<&str> = fk.columns.iter().map(|c| c.value.as_str()).collect();
    let same = |other: BTreeSet<&str>| other == cols;
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| same(pk.columns.iter().map(|c| c.value.as_str()).collect()))
        || table
            .uniques
            .iter()
            .any(|u| same(u.columns.iter().map(|c| c.value.as_str()).collect()))
        || table.indexes.iter().any(|ix| {
            ix.unique
                && ix.predicate.is_none()
                && ix.keys.iter().all(|k| !k.expression)
                && same(ix.keys.iter().map(|k| k.target.value.as_str()).collect())
        })
}

/// Whether any of the foreign key's columns allows NULL (then a row may point nowhere).
pub fn fk_is_optional(table: &Table, fk: &ForeignKey) -> bool {
    fk.columns
        .iter()
        .any(|c| table.columns.get(&c.value).is_some_and(|col| col.nullable))
}

fn cardinality(table: &Table, fk: &ForeignKey) -> String {
    let kind = if fk_is_unique(table, fk) {
        "one-to-one"
    } else {
        "many-to-one"
    };
    if fk_is_optional(table, fk) {
        format!("{kind}, optional")
    } else {
        kind.to_string()
    }
}

fn deferrable_words(d: Deferrable) -> String {
    match d {
        Deferrable::No => String::new(),
        Deferrable::InitiallyImmediate => "DEFERRABLE INITIALLY IMMEDIATE".to_string(),
        Deferrable::InitiallyDeferred => "DEFERRABLE INITIALLY DEFERRED".to_string(),
    }
}

struct Names<'a> {
    model: &'a Model,
    table_anchor: BTreeMap<QName, String>,
    function_anchor: BTreeMap<QName, String>,
    view_anchor: BTreeMap<QName, String>,
}

impl Names<'_> {
    fn short(&self, q: &QName) -> String {
        q.display_short(&self.model.default_schema)
    }

    fn table(&self, q: &QName) -> Link {
        Link {
            name: self.short(q),
            anchor: self.table_anchor.get(q).cloned(),
        }
    }

    fn relation(&self, q: &QName) -> Link {
        Link {
            name: self.short(q),
            anchor: self
                .table_anchor
                .get(q)
                .or_else(|| self.view_anchor.get(q))
                .cloned(),
        }
    }

    fn function(&self, q: &QName) -> Link {
        Link {
            name: self.short(q),
            anchor: self.function_anchor.get(q).cloned(),
        }
    }

    fn fk(&self, table: &Table, fk: &ForeignKey) -> ForeignKeyView {
        ForeignKeyView {
            name: fk.name.value.clone(),
            from: self.table(&table.name),
            columns: fk.columns.iter().map(|c| c.value.clone()).collect(),
            to: self.table(&fk.target),
            target_columns: fk.target_columns.iter().map(|c| c.value.clone()).collect(),
            on_delete: on_delete_words(fk),
            on_update: fk.on_update.sql().to_string(),
            deferrable: deferrable_words(fk.deferrable),
            cardinality: cardinality(table, fk),
        }
    }

    fn trigger(&self, t: &crate::ir::Trigger) -> TriggerView {
        let timing = match t.timing {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        };
        let events: Vec<String> = t
            .events
            .iter()
            .map(|e| {
                if e == "update" && !t.of_columns.is_empty() {
                    let cols: Vec<&str> = t.of_columns.iter().map(|c| c.value.as_str()).collect();
                    format!("UPDATE OF {}", cols.join(", "))
                } else {
                    e.to_ascii_uppercase()
                }
            })
            .collect();
        TriggerView {
            name: t.name.clone(),
            table: self.table(&t.table),
            when: format!(
                "{timing} {}{}",
                events.join(" OR "),
                match t.enabled {
                    TriggerEnabled::Origin => "",
                    TriggerEnabled::Disabled => " (disabled)",
                    TriggerEnabled::Replica => " (only when replicating)",
                    TriggerEnabled::Always => " (also when replicating)",
                }
            ),
            for_each: if t.for_each_row { "row" } else { "statement" }.to_string(),
            condition: t.when.as_ref().map(|w| w.value.trim().to_string()),
            function: self.function(&t.function),
            args: t.args.clone(),
            description: t.description.clone(),
        }
    }
}

/// Build the view of DATABASE.md.
pub fn database_view(
    model: &Model,
    external: &External,
    diagrams: &[DiagramInput],
    migrations_dir: &str,
    migration_names: &[String],
) -> DatabaseView {
    let order = table_order(model).order;
    database_view_in(
        model,
        &order,
        external,
        diagrams,
        migrations_dir,
        migration_names,
    )
}

/// [`database_view`] with the model's `ir::graph::table_order` already computed.
pub fn database_view_in(
    model: &Model,
    order: &[QName],
    external: &External,
    diagrams: &[DiagramInput],
    migrations_dir: &str,
    migration_names: &[String],
) -> DatabaseView {
    let mut slugger = Slugger::default();
    // Section headings of the built-in template, in document order, so object anchors that
    // collide with them are numbered as GitHub numbers them.
    for h in ["Overview", "Entity-relationship diagrams"] {
        slugger.slug(h);
    }
    let diagrams: Vec<DiagramView> = diagrams
        .iter()
        .map(|d| {
            let heading = match &d.group {
                None => "Whole schema".to_string(),
                Some(g) => format!("Group {}", code_span(g)),
            };
            DiagramView {
                anchor: slugger.slug(&heading),
                heading,
                group: d.group.clone(),
                link: d.link.clone(),
                compact: d.compact,
                mermaid: d.mermaid.clone(),
            }
        })
        .collect();
    slugger.slug("Tables");
    let mut table_anchor = BTreeMap::new();
    let mut table_heading = BTreeMap::new();
    for q in order {
        let heading = format!(
            "Table {}",
            code_span(&q.display_short(&model.default_schema))
        );
        table_anchor.insert(q.clone(), slugger.slug(&heading));
        table_heading.insert(q.clone(), heading);
    }
    slugger.slug("RLS coverage");
    slugger.slug("Enums");
    let mut enum_anchor = BTreeMap::new();
    for q in model.enums.keys() {
        let heading = format!(
            "Enum {}",
            code_span(&q.display_short(&model.default_schema))
        );
        enum_anchor.insert(q.clone(), (slugger.slug(&heading), heading));
    }
    // Domains and composite types: a section only when the model has some (other models keep
    // their anchors and bytes).
    let mut type_anchor: BTreeMap<QName, (String, String)> = BTreeMap::new();
    if !model.domains.is_empty() || !model.composites.is_empty() {
        slugger.slug("Domains and composite types");
        for t in crate::ir::domains::type_order(model) {
            let kind = match t {
                crate::ir::domains::UserType::Domain(_) => "Domain",
                crate::ir::domains::UserType::Composite(_) => "Composite type",
            };
            let heading = format!(
                "{kind} {}",
                code_span(&t.name().display_short(&model.default_schema))
            );
            type_anchor.insert(t.name().clone(), (slugger.slug(&heading), heading));
        }
    }
    slugger.slug("Functions");
    let mut function_anchor = BTreeMap::new();
    let mut function_heading = BTreeMap::new();
    let mut function_key_anchor = BTreeMap::new();
    for (k, f) in &model.functions {
        // An overloaded name gets one section per overload, headed by its signature; a link
        // by name (a trigger's function) goes to the first.
        let short = k.name.display_short(&model.default_schema);
        let label = if model.functions_named(&k.name).nth(1).is_some() {
            format!("{short}({})", k.args.join(", "))
        } else {
            short
        };
        let word = match f.kind {
            RoutineKind::Function => "Function",
            RoutineKind::Procedure => "Procedure",
        };
        let heading = format!("{word} {}", code_span(&label));
        let anchor = slugger.slug(&heading);
        function_anchor
            .entry(k.name.clone())
            .or_insert_with(|| anchor.clone());
        function_key_anchor.insert(k.clone(), anchor);
        function_heading.insert(k.clone(), heading);
    }
    slugger.slug("Views");
    let mut view_anchor = BTreeMap::new();
    let mut view_heading = BTreeMap::new();
    for (q, v) in &model.views {
        let kind = if v.materialized {
            "Materialized view"
        } else {
            "View"
        };
        let heading = format!(
            "{kind} {}",
            code_span(&q.display_short(&model.default_schema))
        );
        view_anchor.insert(q.clone(), slugger.slug(&heading));
        view_heading.insert(q.clone(), heading);
    }
    let names = Names {
        model,
        table_anchor,
        function_anchor,
        view_anchor,
    };
    let group_anchor: BTreeMap<&str, &str> = diagrams
        .iter()
        .filter_map(|d| d.group.as_deref().map(|g| (g, d.anchor.as_str())))
        .collect();

    let mut referenced_by: BTreeMap<&QName, Vec<ForeignKeyView>> = BTreeMap::new();
    for q in order {
        if let Some(t) = model.tables.get(q) {
            for fk in &t.foreign_keys {
                referenced_by
                    .entry(&fk.target)
                    .or_default()
                    .push(names.fk(t, fk));
            }
        }
    }

    let colocation = if model.target == crate::ir::citus::Target::Citus {
        crate::ir::citus::colocation_roots(model)
    } else {
        BTreeMap::new()
    };
    let tables: Vec<TableView> = order
        .iter()
        .filter_map(|q| model.tables.get(q))
        .map(|t| {
            let pk_cols: BTreeSet<&str> = t
                .primary_key
                .iter()
                .flat_map(|pk| pk.columns.iter().map(|c| c.value.as_str()))
                .collect();
            TableView {
                name: names.short(&t.name),
                qualified: t.name.to_string(),
                heading: table_heading.get(&t.name).cloned().unwrap_or_default(),
                anchor: names.table_anchor.get(&t.name).cloned().unwrap_or_default(),
                description: t.description.clone(),
                group: t.group.clone(),
                group_anchor: t
                    .group
                    .as_deref()
                    .and_then(|g| group_anchor.get(g))
                    .map(|a| a.to_string()),
                columns: t
                    .columns
                    .values()
                    .map(|c| ColumnView {
                        name: c.name.clone(),
                        type_sql: c.type_sql.clone(),
                        nullable: c.nullable,
                        default: match (&c.identity, &c.generated, &c.default) {
                            (Some(crate::ir::Identity::Always), _, _) => {
                                Some("identity (always)".to_string())
                            }
                            (Some(crate::ir::Identity::ByDefault), _, _) => {
                                Some("identity (by default)".to_string())
                            }
                            (None, Some(g), _) => Some(format!("generated: {}", g.value.trim())),
                            (None, None, Some(d)) => Some(d.value.trim().to_string()),
                            (None, None, None) => None,
                        },
                        description: c.description.clone(),
                        primary_key: pk_cols.contains(c.name.as_str()),
                    })
                    .collect(),
                primary_key: t.primary_key.as_ref().map(|pk| KeyView {
                    name: pk.name.clone(),
                    columns: pk.columns.iter().map(|c| c.value.clone()).collect(),
                    nulls_not_distinct: false,
                }),
                uniques: t
                    .uniques
                    .iter()
                    .map(|u| KeyView {
                        name: u.name.value.clone(),
                        columns: u.columns.iter().map(|c| c.value.clone()).collect(),
                        nulls_not_distinct: !u.nulls_distinct,
                    })
                    .collect(),
                checks: t
                    .checks
                    .iter()
                    .map(|c| CheckView {
                        name: c.name.value.clone(),
                        expr: c.expr.value.trim().to_string(),
                    })
                    .collect(),
                foreign_keys: t.foreign_keys.iter().map(|fk| names.fk(t, fk)).collect(),
                referenced_by: referenced_by.remove(&t.name).unwrap_or_default(),
                indexes: t.indexes.iter().map(|ix| index_view(&t.name, ix)).collect(),
                rls_enabled: t.rls.enabled,
                rls_forced: t.rls.force,
                policies: t.policies.values().map(|p| policy_view(p)).collect(),
                triggers: t.triggers.values().map(|tr| names.trigger(tr)).collect(),
                grants: privileges(&t.grants),
                revokes: privileges(&t.revokes),
                realtime: t.realtime,
                partition: t.partition.as_ref().map(|p| PartitionView {
                    by: p.by.to_ascii_uppercase(),
                    columns: p.columns.iter().map(|c| c.value.clone()).collect(),
                    partitions: p
                        .partitions
                        .values()
                        .map(|part| PartitionBoundView {
                            name: names.short(&part.name),
                            bound: partition_bound(&part.bound),
                        })
                        .collect(),
                }),
                citus: citus_view(model, &colocation, &|q| names.short(q), t),
                replica_identity: replica_identity_view(&t.replica_identity),
                data_rows: t.data.as_ref().map_or(0, |d| d.rows.len()),
                data_key: t
                    .data
                    .as_ref()
                    .map(|d| d.key_columns(t))
                    .unwrap_or_default(),
                excludes: t
                    .excludes
                    .iter()
                    .map(|x| ExcludeView {
                        name: x.name.value.clone(),
                        method: x.method.clone(),
                        elements: x
                            .elements
                            .iter()
                            .map(|e| format!("{} WITH {}", e.target.value.trim(), e.with.value))
                            .collect(),
                        predicate: x.predicate.as_ref().map(|p| p.value.trim().to_string()),
                    })
                    .collect(),
            }
        })
        .collect();

    let matrix = crate::access::matrix(model, external);
    let client_roles: Vec<String> = matrix.roles.clone();
    let reach = |q: &QName, role: &str, cmd: Command| -> Reach {
        matrix
            .objects
            .get(q)
            .and_then(|(_, _, cells)| cells.get(role))
            .and_then(|r| r.get(&cmd))
            .cloned()
            .unwrap_or(Reach::Denied)
    };
    let table_command = |c: PolicyCommand| match c {
        PolicyCommand::Insert => Command::Insert,
        PolicyCommand::Update => Command::Update,
        PolicyCommand::Delete => Command::Delete,
        PolicyCommand::Select | PolicyCommand::All => Command::Select,
    };
    let coverage = CoverageView {
        columns: COVERAGE_COMMANDS
            .iter()
            .flat_map(|c| {
                client_roles.iter().map(|r| CoverageColumn {
                    command: c.sql().to_string(),
                    role: r.clone(),
                })
            })
            .collect(),
        rows: order
            .iter()
            .filter_map(|q| model.tables.get(q))
            .map(|t| CoverageRow {
                table: names.table(&t.name),
                rls_enabled: t.rls.enabled,
                cells: COVERAGE_COMMANDS
                    .iter()
                    .flat_map(|c| {
                        client_roles.iter().map(|r| {
                            coverage_cell(&reach(&t.name, r, table_command(*c)), Some((t, *c, r)))
                        })
                    })
                    .collect(),
            })
            .chain(model.views.keys().map(|q| {
                CoverageRow {
                    table: names.relation(q),
                    rls_enabled: false,
                    cells: COVERAGE_COMMANDS
                        .iter()
                        .flat_map(|c| {
                            client_roles
                                .iter()
                                .map(|r| coverage_cell(&reach(q, r, table_command(*c)), None))
                        })
                        .collect(),
                }
            }))
            .collect(),
        functions: matrix
            .objects
            .iter()
            .filter(|(_, (kind, _, _))| *kind == Kind::Function)
            .map(|(q, _)| CoverageRow {
                table: names.function(q),
                rls_enabled: false,
                cells: client_roles
                    .iter()
                    .map(|r| coverage_cell(&reach(q, r, Command::Execute), None))
                    .collect(),
            })
            .collect(),
        roles: client_roles.clone(),
        service_role_bypasses: external.roles.contains("service_role"),
    };

    let mut called_by: BTreeMap<&QName, Vec<Link>> = BTreeMap::new();
    let all_triggers = order
        .iter()
        .filter_map(|q| model.tables.get(q))
        .flat_map(|t| t.triggers.values().map(|tr| &**tr))
        .chain(model.external_triggers.iter());
    for tr in all_triggers {
        called_by.entry(&tr.function).or_default().push(Link {
            name: format!("{}.{}", names.short(&tr.table), tr.name),
            anchor: names.table_anchor.get(&tr.table).cloned(),
        });
    }

    // Columns by enum type (`type_sql` of an enum column is the enum's qualified name).
    let mut enum_users: BTreeMap<String, Vec<Link>> = model
        .enums
        .values()
        .map(|e| (e.name.to_string(), Vec::new()))
        .collect();
    for q in order {
        if let Some(t) = model.tables.get(q) {
            for c in t.columns.values() {
                let base = c.type_sql.trim_end_matches("[]");
                let Some(users) = enum_users.get_mut(base) else {
                    continue;
                };
                users.push(Link {
                    name: format!("{}.{}", names.short(q), c.name),
                    anchor: names.table_anchor.get(q).cloned(),
                });
            }
        }
    }

    let enums = model
        .enums
        .values()
        .map(|e| {
            let (anchor, heading) = enum_anchor.get(&e.name).cloned().unwrap_or_default();
            EnumView {
                name: names.short(&e.name),
                heading,
                anchor,
                values: e.values.iter().map(|v| v.value.clone()).collect(),
                description: e.description.clone(),
                used_by: enum_users.remove(&e.name.to_string()).unwrap_or_default(),
            }
        })
        .collect();

    let types = type_views(model, order, &names, &type_anchor);

    let procedure = |f: &crate::ir::Function| f.kind == RoutineKind::Procedure;
    let functions = model
        .functions
        .iter()
        .map(|(k, f)| FunctionView {
            name: names.short(&f.name),
            heading: function_heading.get(k).cloned().unwrap_or_default(),
            anchor: function_key_anchor.get(k).cloned().unwrap_or_default(),
            signature: crate::sql::function_declaration(f),
            returns: if procedure(f) {
                "nothing (a procedure: run with CALL)".to_string()
            } else {
                f.returns.value.trim().to_string()
            },
            language: f.language.clone(),
            volatility: if procedure(f) {
                "—".to_string()
            } else {
                f.volatility.clone()
            },
            security_definer: f.security_definer,
            search_path: f.search_path.as_ref().map(|p| {
                if p.is_empty() {
                    "''".to_string()
                } else {
                    p.join(", ")
                }
            }),
            strict: f.strict,
            leakproof: f.leakproof,
            parallel: f.parallel.clone(),
            description: f.description.clone(),
            grants: privileges(&f.grants),
            revokes: privileges(&f.revokes),
            called_by: if k.args.is_empty() {
                called_by.remove(&f.name).unwrap_or_default()
            } else {
                Vec::new()
            },
        })
        .collect();

    let views = model
        .views
        .values()
        .map(|v| ViewView {
            name: names.short(&v.name),
            heading: view_heading.get(&v.name).cloned().unwrap_or_default(),
            anchor: names.view_anchor.get(&v.name).cloned().unwrap_or_default(),
            materialized: v.materialized,
            security_invoker: v.security_invoker,
            description: v.description.clone(),
            reads: v.depends_on.iter().map(|q| names.relation(q)).collect(),
            query: sql::query_text(&v.query.value).to_string(),
            indexes: v.indexes.iter().map(|ix| index_view(&v.name, ix)).collect(),
            grants: privileges(&v.grants),
            revokes: privileges(&v.revokes),
        })
        .collect();

    let mut schemas: BTreeMap<String, SchemaView> = BTreeMap::new();
    let mut add_schema = |name: &str, description: Option<String>| {
        let e = schemas.entry(name.to_string()).or_insert(SchemaView {
            name: name.to_string(),
            description: None,
            tables: 0,
        });
        if description.is_some() {
            e.description = description;
        }
    };
    add_schema(&model.default_schema, None);
    for s in model.schemas.values() {
        add_schema(&s.name, s.description.clone());
    }
    for q in model
        .tables
        .keys()
        .chain(model.views.keys())
        .chain(model.functions.keys().map(|k| &k.name))
        .chain(model.enums.keys())
    {
        add_schema(&q.schema, None);
    }
    for q in model.tables.keys() {
        if let Some(s) = schemas.get_mut(&q.schema) {
            s.tables += 1;
        }
    }

    // The lines every migration starts with, whichever schemac wrote it: the pinned settings
    // follow them only in migrations written since they were pinned (docs/migrations.md).
    let settings = crate::plan::legacy_settings(model);
    let setting = |name: &str| {
        settings.iter().find_map(|s| match s {
            Stmt::SetLocal(n, v) if *n == name => Some(v.clone()),
            _ => None,
        })
    };
    let migrations = MigrationsView {
        dir: migrations_dir.to_string(),
        names: migration_names.to_vec(),
        settings: settings.iter().map(ToString::to_string).collect(),
        lock_timeout: setting("lock_timeout"),
        statement_timeout: setting("statement_timeout"),
        supabase: model.preset == Preset::Supabase,
        supabase_layout: model.migrations.layout == crate::ir::MigrationLayout::Supabase,
        sum: format!("{migrations_dir}/schemac.sum"),
    };

    let count = |what: &str, count: usize| CountView {
        what: what.to_string(),
        count,
    };
    let tables_all = || model.tables.values();
    let counts = vec![
        count("tables", model.tables.len()),
        count("columns", tables_all().map(|t| t.columns.len()).sum()),
        count(
            "foreign keys",
            tables_all().map(|t| t.foreign_keys.len()).sum(),
        ),
        count(
            "indexes",
            tables_all().map(|t| t.indexes.len()).sum::<usize>()
                + model.views.values().map(|v| v.indexes.len()).sum::<usize>(),
        ),
        count(
            "tables with RLS",
            tables_all().filter(|t| t.rls.enabled).count(),
        ),
        count("policies", tables_all().map(|t| t.policies.len()).sum()),
        count(
            "triggers",
            tables_all().map(|t| t.triggers.len()).sum::<usize>() + model.external_triggers.len(),
        ),
        count("enums", model.enums.len()),
        count("functions", model.functions.len()),
        count("views", model.views.len()),
    ];

    DatabaseView {
        preset: match model.preset {
            Preset::Supabase => "supabase",
            Preset::Postgres => "postgres",
        }
        .to_string(),
        engine: match model.preset {
            Preset::Supabase => "PostgreSQL 15 or later on Supabase".to_string(),
            Preset::Postgres => "PostgreSQL 15 or later".to_string(),
        },
        default_schema: model.default_schema.clone(),
        schemas: schemas.into_values().collect(),
        extensions: model
            .extensions
            .values()
            .map(|e| ExtensionView {
                name: e.name.clone(),
                schema: model.extension_schema(e),
                version: e.version.clone(),
            })
            .collect(),
        roles: model
            .roles
            .values()
            .map(|r| RoleView {
                name: r.name.clone(),
                description: r.description.clone(),
            })
            .collect(),
        client_roles,
        counts,
        diagrams,
        tables,
        coverage,
        enums,
        functions,
        views,
        types,
        external_triggers: model
            .external_triggers
            .iter()
            .map(|t| names.trigger(t))
            .collect(),
        external_policies: model
            .external_policies
            .iter()
            .map(|(table, policies)| ExternalPoliciesView {
                table: names.table(table),
                policies: policies.values().map(|p| policy_view(p)).collect(),
            })
            .collect(),
        buckets: model
            .buckets
            .values()
            .map(|b| BucketView {
                id: b.id.clone(),
                public: b.public,
                file_size_limit: b.file_size_limit,
                allowed_mime_types: b.allowed_mime_types.clone(),
            })
            .collect(),
        migrations,
        default_privileges: default_privilege_views(model),
        jobs: model
            .jobs
            .values()
            .map(|j| JobView {
                name: j.name.clone(),
                schedule: j.schedule.value.clone(),
                command: j
                    .command
                    .value
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                active: j.active,
                description: j.description.clone(),
            })
            .collect(),
        publications: model
            .publications
            .values()
            .map(|p| PublicationView {
                name: p.name.clone(),
                publish: p.publish.join(", "),
                description: p.description.clone(),
                tables: p
                    .tables
                    .iter()
                    .map(|(t, pt)| PublishedTableView {
                        table: t.to_string(),
                        columns: pt
                            .columns
                            .iter()
                            .map(|c| c.value.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                        row_filter: pt
                            .row_filter
                            .as_ref()
                            .map(|f| f.value.split_whitespace().collect::<Vec<_>>().join(" ")),
                    })
                    .collect(),
            })
            .collect(),
        schema_privileges: schema_privilege_rows(model, external),
    }
}

fn policy_view(p: &crate::ir::Policy) -> PolicyView {
    PolicyView {
        name: p.name.clone(),
        command: p.command.sql().to_string(),
        roles: if p.roles.is_empty() {
            vec!["public".to_string()]
        } else {
            p.roles.iter().map(|r| r.value.clone()).collect()
        },
        mode: if p.permissive {
            "permissive"
        } else {
            "restrictive"
        }
        .to_string(),
        using: p.using.as_ref().map(|u| u.value.trim().to_string()),
        with_check: p.with_check.as_ref().map(|u| u.value.trim().to_string()),
        why: p.why.clone(),
    }
}

fn index_view(table: &QName, ix: &crate::ir::Index) -> IndexView {
    IndexView {
        name: ix.name.value.clone(),
        definition: sql::create_index_text(table, ix),
        unique: ix.unique,
        why: ix.why.clone(),
    }
}

fn partition_bound(b: &crate::ir::PartitionBound) -> String {
    use crate::ir::PartitionBound;
    match b {
        PartitionBound::Range { from, to } => {
            format!(
                "FOR VALUES FROM ({}) TO ({})",
                from.join(", "),
                to.join(", ")
            )
        }
        PartitionBound::List { values } => format!("FOR VALUES IN ({})", values.join(", ")),
        PartitionBound::Hash { modulus, remainder } => {
            format!("FOR VALUES WITH (MODULUS {modulus}, REMAINDER {remainder})")
        }
        PartitionBound::Default => "DEFAULT".to_string(),
    }
}

/// What a table's replica identity means, for DATABASE.md (`None` for the default).
fn replica_identity_view(r: &ReplicaIdentity) -> Option<String> {
    match r {
        ReplicaIdentity::Default => None,
        ReplicaIdentity::Full => {
            Some("`FULL`: updates and deletes write every column of the old row".to_string())
        }
        ReplicaIdentity::Nothing => Some(
            "`NOTHING`: updates and deletes write no old row (a publication refuses them)"
                .to_string(),
        ),
        ReplicaIdentity::Index(i) => Some(format!(
            "the columns of index `{}` identify the old row",
            i.value
        )),
    }
}

/// The domains and composite types of `model` for DATABASE.md, in dependency order.
fn type_views(
    model: &Model,
    order: &[QName],
    names: &Names<'_>,
    anchors: &BTreeMap<QName, (String, String)>,
) -> Vec<TypeView> {
    use crate::ir::domains::{UserType, element_type, type_order};
    if anchors.is_empty() {
        return Vec::new();
    }
    let mut users: BTreeMap<String, Vec<Link>> = BTreeMap::new();
    for q in order {
        if let Some(t) = model.tables.get(q) {
            for c in t.columns.values() {
                users
                    .entry(element_type(&c.type_sql).to_string())
                    .or_default()
                    .push(Link {
                        name: format!("{}.{}", names.short(q), c.name),
                        anchor: names.table_anchor.get(q).cloned(),
                    });
            }
        }
    }
    type_order(model)
        .into_iter()
        .map(|t| {
            let (anchor, heading) = anchors.get(t.name()).cloned().unwrap_or_default();
            let (description, definition, parts) = match t {
                UserType::Domain(d) => {
                    let mut def = d.type_sql.clone();
                    if let Some(c) = &d.collation {
                        def.push_str(&format!(" COLLATE {}", c.value));
                    }
                    if d.not_null {
                        def.push_str(" NOT NULL");
                    }
                    if let Some(e) = &d.default {
                        def.push_str(&format!(" DEFAULT {}", e.value.trim()));
                    }
                    let checks = d
                        .checks
                        .iter()
                        .map(|(n, e)| (n.clone(), e.value.trim().to_string()))
                        .collect();
                    (d.description.clone(), def, checks)
                }
                UserType::Composite(c) => (
                    c.description.clone(),
                    String::new(),
                    c.fields
                        .values()
                        .map(|f| (f.name.clone(), f.type_sql.clone()))
                        .collect(),
                ),
            };
            TypeView {
                heading,
                anchor,
                description,
                definition,
                parts,
                used_by: users.remove(&t.name().to_string()).unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github() {
        assert_eq!(github_slug("Table `profiles`"), "table-profiles");
        assert_eq!(github_slug("Table `app.tasks`"), "table-apptasks");
        assert_eq!(github_slug("Table `größe`"), "table-größe");
        assert_eq!(github_slug("Table `Order Lines`"), "table-order-lines");
        let mut s = Slugger::default();
        assert_eq!(s.slug("Table `a`"), "table-a");
        assert_eq!(s.slug("Table `A`"), "table-a-1");
        assert_eq!(s.slug("Table `a-1`"), "table-a-1-1");
        assert_eq!(s.slug("Table `a`"), "table-a-2");
    }

    #[test]
    fn cells_and_code_spans_escape() {
        assert_eq!(cell("a | b\nc"), "a \\| b<br>c");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`a"), "`` `a ``");
        assert_eq!(code_cell("x || y"), "`x \\|\\| y`");
        assert_eq!(fence("no ticks"), "```");
        assert_eq!(fence("````x"), "`````");
    }
}
