//! Introspect: a live PostgreSQL catalog → plain, sorted records.
//!
//! Input: a client (or a read-only transaction) and the schemas to read. Output: a [`Catalog`] of
//! tables, columns, constraints, indexes, policies, triggers, functions, views, enums, privileges,
//! publication memberships, schema comments, extensions and pg_cron's jobs, each as PostgreSQL prints it (`format_type`, `pg_get_expr`,
//! `pg_get_constraintdef`, …). Invariants: only reads (every query is a `SELECT` on the system
//! catalogs, so it runs inside `READ ONLY` transactions); objects that belong to an extension are
//! left out; every list is sorted, so comparisons and output are deterministic.
//!
//! The queries started as the readbacks of the integration-test harness (`tests/support`).

pub mod default_privileges;

use std::collections::BTreeMap;

use postgres::GenericClient;

pub mod domains;

pub use domains::{CompositeInfo, DomainInfo};

/// Schemas never read.
const SYSTEM_SCHEMA_FILTER: &str = "n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') \
     and n.nspname not like 'pg\\_temp\\_%' and n.nspname not like 'pg\\_toast\\_temp\\_%'";

/// Not part of an extension (`pg_depend` deptype `e`), for objects of catalog `$CLASS`.
const NOT_EXTENSION: &str = "not exists (select 1 from pg_depend d \
     where d.classid = '$CLASS'::regclass and d.objid = $OID and d.deptype = 'e')";

/// A table (ordinary, partitioned or foreign).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableInfo {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `relrowsecurity`.
    pub rls_enabled: bool,
    /// `relforcerowsecurity`.
    pub rls_forced: bool,
    /// Whether it is a partition of another table.
    pub is_partition: bool,
    /// `relkind`: `r` ordinary, `p` partitioned, `f` foreign.
    pub kind: String,
    /// `pg_get_partkeydef`, e.g. `RANGE (created_at)`, for a partitioned table.
    pub partition_key: Option<String>,
    /// The parent `(schema, name)` and `pg_get_expr(relpartbound)` of a partition.
    pub partition_of: Option<(String, String, String)>,
    /// `COMMENT ON TABLE`.
    pub description: Option<String>,
    /// `relreplident`: `d` default, `f` full, `n` nothing, `i` index.
    pub replica_identity: String,
    /// The index whose `indisreplident` is set (`relreplident` `i`).
    pub replica_index: Option<String>,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnInfo {
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
    /// Name.
    pub name: String,
    /// `format_type(atttypid, atttypmod)`.
    pub data_type: String,
    /// `attnotnull`.
    pub not_null: bool,
    /// `pg_get_expr(adbin)`: the default, or the generation expression of a generated column.
    pub default: Option<String>,
    /// `attidentity`: empty, `a` (always) or `d` (by default).
    pub identity: String,
    /// `attgenerated`: empty or `s` (stored).
    pub generated: String,
    /// `COMMENT ON COLUMN`.
    pub description: Option<String>,
}

/// A table constraint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConstraintInfo {
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
    /// Name.
    pub name: String,
    /// `contype`: c check, f foreign key, p primary key, u unique, x exclusion.
    pub kind: String,
    /// `pg_get_constraintdef(oid)`.
    pub definition: String,
    /// The constrained columns, in key order.
    pub columns: Vec<String>,
    /// A foreign key's target table `(schema, name)`.
    pub target: Option<(String, String)>,
    /// A foreign key's target columns.
    pub target_columns: Vec<String>,
    /// A foreign key's `confupdtype` and `confdeltype` (a, r, c, n, d).
    pub actions: (String, String),
    /// DEFERRABLE, INITIALLY DEFERRED.
    pub deferrable: (bool, bool),
    /// A check constraint's expression (`pg_get_expr(conbin)`).
    pub check: Option<String>,
    /// `convalidated`.
    pub validated: bool,
    /// A foreign key's `confdelsetcols`: the columns `ON DELETE SET NULL (…)` / `SET DEFAULT (…)`
    /// sets (PostgreSQL 15+; read through `to_jsonb` so that older servers give none).
    pub delete_set_columns: Vec<String>,
}

/// An index (of a table or materialized view).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexInfo {
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
    /// Name.
    pub name: String,
    /// `pg_get_indexdef(oid)`.
    pub definition: String,
    /// UNIQUE.
    pub unique: bool,
    /// Backs a constraint (primary key, unique, exclusion).
    pub constraint: bool,
    /// `COMMENT ON INDEX`.
    pub description: Option<String>,
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyInfo {
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
    /// Name.
    pub name: String,
    /// PERMISSIVE (true) or RESTRICTIVE.
    pub permissive: bool,
    /// Sorted role names (`public` for all roles).
    pub roles: Vec<String>,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// USING.
    pub using: Option<String>,
    /// WITH CHECK.
    pub with_check: Option<String>,
    /// `COMMENT ON POLICY`.
    pub description: Option<String>,
}

/// A trigger.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TriggerInfo {
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
    /// Name.
    pub name: String,
    /// `pg_get_triggerdef(oid)`.
    pub definition: String,
    /// `COMMENT ON TRIGGER`.
    pub description: Option<String>,
    /// `tgenabled`: `O` origin (the default), `D` disabled, `R` replica, `A` always.
    pub enabled: String,
}

/// A function or procedure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FunctionInfo {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// `pg_get_function_identity_arguments(oid)`.
    pub identity_args: String,
    /// `pg_get_function_arguments(oid)`: with names, modes and defaults.
    pub arguments: String,
    /// `prokind`: `f` function, `p` procedure, `a` aggregate, `w` window.
    pub kind: String,
    /// `pg_get_function_result(oid)`.
    pub result: Option<String>,
    /// SECURITY DEFINER.
    pub security_definer: bool,
    /// `provolatile`: i, s or v.
    pub volatility: String,
    /// `proconfig`, e.g. `search_path=""`.
    pub config: Vec<String>,
    /// Language.
    pub language: String,
    /// `prosrc`.
    pub body: String,
    /// STRICT.
    pub strict: bool,
    /// LEAKPROOF.
    pub leakproof: bool,
    /// `proparallel`: s, r or u.
    pub parallel: String,
    /// `COMMENT ON FUNCTION`.
    pub description: Option<String>,
    /// Every argument (`proallargtypes` order): mode (i, o, b, v, t), name, type, default.
    pub args: Vec<(String, String, String, Option<String>)>,
}

/// A view or materialized view.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ViewInfo {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Materialized.
    pub materialized: bool,
    /// `reloptions`, e.g. `security_invoker=true`.
    pub options: Vec<String>,
    /// `pg_get_viewdef(oid)`: the query as PostgreSQL stores it.
    pub definition: String,
    /// `COMMENT ON VIEW`.
    pub description: Option<String>,
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnumInfo {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Labels in order.
    pub labels: Vec<String>,
    /// `COMMENT ON TYPE`.
    pub description: Option<String>,
}

/// One privilege held by one grantee on one object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PrivilegeInfo {
    /// Schema.
    pub schema: String,
    /// Relation name, or `name(identity args)` for functions.
    pub object: String,
    /// Role name or `PUBLIC`.
    pub grantee: String,
    /// `SELECT`, `INSERT`, … or `EXECUTE`.
    pub privilege: String,
}

/// A table's membership of a publication.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PublicationTableInfo {
    /// Publication.
    pub publication: String,
    /// Schema of the table.
    pub schema: String,
    /// Table.
    pub table: String,
    /// The published columns, when the membership has a column list (`(a, b)`).
    pub columns: Option<Vec<String>>,
    /// The row filter (`pg_get_expr(prqual)`), when it has one.
    pub row_filter: Option<String>,
}

impl Catalog {
    /// The classes of the every-schema `pg_default_acl` rows of `owner`.
    pub fn global_rows_of(&self, owner: &str) -> Vec<crate::ir::default_privileges::ObjectClass> {
        self.default_acl_global
            .iter()
            .filter(|r| r.owner == owner)
            .filter_map(|r| crate::ir::default_privileges::ObjectClass::from_catalog(&r.objtype))
            .collect()
    }
}

/// A declared row as the database has it: per compared column, the database's text of it and
/// whether it equals the declared value.
pub type DataRow = Vec<(Option<String>, bool)>;

/// What [`read`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Tables.
    pub tables: Vec<TableInfo>,
    /// Columns, in attnum order within a table.
    pub columns: Vec<ColumnInfo>,
    /// Constraints.
    pub constraints: Vec<ConstraintInfo>,
    /// Indexes.
    pub indexes: Vec<IndexInfo>,
    /// Policies.
    pub policies: Vec<PolicyInfo>,
    /// Triggers (on tables in the schemas read).
    pub triggers: Vec<TriggerInfo>,
    /// Functions.
    pub functions: Vec<FunctionInfo>,
    /// Views.
    pub views: Vec<ViewInfo>,
    /// Enums.
    pub enums: Vec<EnumInfo>,
    /// Privileges on relations, for the roles asked about.
    pub relation_privileges: Vec<PrivilegeInfo>,
    /// EXECUTE on functions, for the roles asked about.
    pub function_privileges: Vec<PrivilegeInfo>,
    /// Installed extensions, by name → schema.
    pub extensions: BTreeMap<String, String>,
    /// Schemas that exist (of those asked about).
    pub schemas: Vec<String>,
    /// `COMMENT ON SCHEMA`, by schema (those with a comment).
    pub schema_descriptions: BTreeMap<String, String>,
    /// The tables of the schemas read that a publication lists by name.
    pub publication_tables: Vec<PublicationTableInfo>,
    /// Citus's placement of the tables in the schemas read (empty without the `citus`
    /// extension), by (schema, table).
    pub citus: Vec<CitusPlacement>,
    /// Default privileges (`pg_default_acl`) in the schemas read and in every schema.
    pub default_acls: Vec<default_privileges::DefaultAcl>,
    /// The every-schema rows of `pg_default_acl`, grantees or not.
    pub default_acl_global: Vec<default_privileges::GlobalRow>,
    /// `current_user` of the session that read the catalog (whose default privileges an entry
    /// without `for_role:` is about).
    pub current_user: String,
    /// Domains.
    pub domains: Vec<DomainInfo>,
    /// Composite types (not the row types of tables and views).
    pub composites: Vec<CompositeInfo>,
    /// pg_cron's jobs that run in this database (empty without the `pg_cron` extension here),
    /// by job name.
    pub jobs: Vec<JobInfo>,
    /// Every publication of the database (`pg_publication`), by name.
    pub publications: Vec<PublicationInfo>,
    /// The declared rows as the database has them, by the text of their `verify::data::queries`
    /// lookup (filled by the caller that runs those queries; `None`: no row with the key). Each
    /// value: the database's text of the column and whether it equals the declared value.
    pub data_rows: BTreeMap<String, Option<DataRow>>,
    /// Rows of `storage.buckets` (Supabase; filled by the caller that reads them), by id.
    pub buckets: Vec<BucketRow>,
    /// USAGE and CREATE on the schemas read and on the Supabase platform's schemas, for the
    /// roles asked about (`object` is the schema's name).
    pub schema_privileges: Vec<PrivilegeInfo>,
    /// Privileges on the tables of the Supabase platform's schemas that are not among the
    /// schemas read, for the roles asked about (the model's top-level `grants:`).
    pub platform_relation_privileges: Vec<PrivilegeInfo>,
}

/// One row of `pg_publication`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PublicationInfo {
    /// Name.
    pub name: String,
    /// `FOR ALL TABLES`.
    pub all_tables: bool,
    /// Operations published, in PostgreSQL's order (insert, update, delete, truncate).
    pub publish: Vec<String>,
    /// `COMMENT ON PUBLICATION`.
    pub description: Option<String>,
}

const PUBLICATIONS_SQL: &str = "
select p.pubname::text, p.puballtables,
       array_remove(array[case when p.pubinsert then 'insert' end, case when p.pubupdate then 'update' end,
                          case when p.pubdelete then 'delete' end, case when p.pubtruncate then 'truncate' end], null),
       obj_description(p.oid, 'pg_publication')
from pg_publication p";

/// One row of pg_cron's `cron.job` whose `database` is the current one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct JobInfo {
    /// Job name (jobs scheduled without one are listed as `job <jobid>`).
    pub name: String,
    /// Schedule as stored.
    pub schedule: String,
    /// Command as stored.
    pub command: String,
    /// Whether it runs.
    pub active: bool,
    /// The role it runs as.
    pub username: String,
}

/// pg_cron's jobs of the current database (`cron.job` is the extension's own table; the query
/// only reads it).
const JOBS_SQL: &str = "
select coalesce(j.jobname::text, 'job ' || j.jobid::text), j.schedule::text, j.command::text,
       j.active, j.username::text
from cron.job j
where j.database = current_database()";

/// A row of Supabase's `storage.buckets`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BucketRow {
    /// Id (and name).
    pub id: String,
    /// `public`.
    pub public: bool,
    /// `file_size_limit` in bytes.
    pub file_size_limit: Option<i64>,
    /// `allowed_mime_types`.
    pub allowed_mime_types: Vec<String>,
}

/// The SELECT that reads [`BucketRow`]s (columns in the struct's order).
pub const BUCKETS_SQL: &str = "select id::text, coalesce(public, false), file_size_limit::bigint, \
     coalesce(allowed_mime_types, '{}')::text[] from storage.buckets order by id";

/// One row of Citus's `pg_dist_partition`, with its shard count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CitusPlacement {
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
    /// `h` hash-distributed, `n` reference or Citus local table.
    pub method: String,
    /// The distribution column (hash-distributed tables).
    pub column: Option<String>,
    /// The co-location group's id (0: none).
    pub colocation: i64,
    /// `t` for a reference table (replicated by two-phase commit), `s` otherwise.
    pub replication: String,
    /// How many shards it has.
    pub shards: i64,
}

const CITUS_SQL: &str = "
select n.nspname::text, c.relname::text, p.partmethod::text,
       case when p.partmethod = 'h' then pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) end,
       p.colocationid::bigint, p.repmodel::text,
       (select count(*) from pg_catalog.pg_dist_shard sh where sh.logicalrelid = p.logicalrelid)
from pg_catalog.pg_dist_partition p
join pg_catalog.pg_class c on c.oid = p.logicalrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname::text = any($1::text[])";

fn sql(text: &str, class: &str, oid: &str) -> String {
    text.replace("{SYS}", SYSTEM_SCHEMA_FILTER).replace(
        "{NOEXT}",
        &NOT_EXTENSION.replace("$CLASS", class).replace("$OID", oid),
    )
}

const SCHEMAS_SQL: &str = "
select n.nspname::text, obj_description(n.oid, 'pg_namespace') from pg_namespace n
where {SYS} and n.nspname::text = any($1::text[])";

const TABLES_SQL: &str = "
select n.nspname::text, c.relname::text, c.relrowsecurity, c.relforcerowsecurity, c.relispartition,
       c.relkind::text, case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end,
       pn.nspname::text, pc.relname::text, pg_get_expr(c.relpartbound, c.oid),
       obj_description(c.oid, 'pg_class'), c.relreplident::text,
       (select ic.relname::text from pg_index x join pg_class ic on ic.oid = x.indexrelid
        where x.indrelid = c.oid and x.indisreplident)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
left join pg_inherits i on i.inhrelid = c.oid and c.relispartition
left join pg_class pc on pc.oid = i.inhparent
left join pg_namespace pn on pn.oid = pc.relnamespace
where c.relkind in ('r', 'p', 'f') and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}";

const COLUMNS_SQL: &str = "
select n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
       a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text, a.attgenerated::text,
       col_description(c.oid, a.attnum)
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
where c.relkind in ('r', 'p', 'f') and a.attnum > 0 and not a.attisdropped
  and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
order by n.nspname::text collate \"C\", c.relname::text collate \"C\", a.attnum";

const CONSTRAINTS_SQL: &str = "
select n.nspname::text, c.relname::text, co.conname::text, co.contype::text,
       pg_get_constraintdef(co.oid),
       array(select a.attname::text from unnest(co.conkey) with ordinality k(n, o)
             join pg_attribute a on a.attrelid = co.conrelid and a.attnum = k.n order by k.o),
       fn.nspname::text, fc.relname::text,
       array(select a.attname::text from unnest(co.confkey) with ordinality k(n, o)
             join pg_attribute a on a.attrelid = co.confrelid and a.attnum = k.n order by k.o),
       co.confupdtype::text, co.confdeltype::text, co.condeferrable, co.condeferred,
       case when co.contype = 'c' then pg_get_expr(co.conbin, co.conrelid) end, co.convalidated,
       array(select a.attname::text
             from jsonb_array_elements_text(case when jsonb_typeof(to_jsonb(co) -> 'confdelsetcols') = 'array'
                                                 then to_jsonb(co) -> 'confdelsetcols' else '[]' end)
                  with ordinality k(n, o)
             join pg_attribute a on a.attrelid = co.conrelid and a.attnum = k.n::int2 order by k.o)
from pg_constraint co
join pg_class c on c.oid = co.conrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_class fc on fc.oid = co.confrelid
left join pg_namespace fn on fn.oid = fc.relnamespace
where {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}";

const INDEXES_SQL: &str = "
select n.nspname::text, t.relname::text, ic.relname::text, pg_get_indexdef(i.indexrelid),
       i.indisunique,
       exists (select 1 from pg_constraint co where co.conindid = i.indexrelid and co.conrelid = t.oid),
       obj_description(i.indexrelid, 'pg_class')
from pg_index i
join pg_class ic on ic.oid = i.indexrelid
join pg_class t on t.oid = i.indrelid
join pg_namespace n on n.oid = t.relnamespace
where {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}";

const POLICIES_SQL: &str = "
select p.schemaname::text, p.tablename::text, p.policyname::text, p.permissive = 'PERMISSIVE',
       array(select r::text from unnest(p.roles) as r order by 1), p.cmd, p.qual, p.with_check,
       (select obj_description(pol.oid, 'pg_policy') from pg_policy pol
        join pg_class pc on pc.oid = pol.polrelid join pg_namespace pn on pn.oid = pc.relnamespace
        where pn.nspname = p.schemaname and pc.relname = p.tablename and pol.polname = p.policyname)
from pg_policies p
where p.schemaname::text = any($1::text[])";

const TRIGGERS_SQL: &str = "
select n.nspname::text, c.relname::text, t.tgname::text, pg_get_triggerdef(t.oid),
       obj_description(t.oid, 'pg_trigger'), t.tgenabled::text
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
join pg_namespace n on n.oid = c.relnamespace
where not t.tgisinternal and {SYS} and n.nspname::text = any($1::text[])";

const FUNCTIONS_SQL: &str = "
select n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid),
       pg_get_function_result(p.oid), p.prosecdef, p.provolatile::text,
       coalesce(p.proconfig, '{}'::text[]), l.lanname::text, coalesce(p.prosrc, ''),
       pg_get_function_arguments(p.oid), p.prokind::text, p.proisstrict, p.proleakproof,
       p.proparallel::text, obj_description(p.oid, 'pg_proc'),
       array(select coalesce(p.proargmodes[k.o]::text, 'i') || ' ' || coalesce(p.proargnames[k.o], '')
                    || ' ' || format_type(k.t, null) || coalesce(E'\\x01' || pg_get_function_arg_default(p.oid, k.o::int), '')
             from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality k(t, o)
             order by k.o)
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
where {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}";

const VIEWS_SQL: &str = "
select n.nspname::text, c.relname::text, c.relkind = 'm', coalesce(c.reloptions, '{}'::text[]),
       pg_get_viewdef(c.oid), obj_description(c.oid, 'pg_class')
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('v', 'm') and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}";

const ENUMS_SQL: &str = "
select n.nspname::text, t.typname::text,
       array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder),
       obj_description(t.oid, 'pg_type')
from pg_type t join pg_namespace n on n.oid = t.typnamespace
where t.typtype = 'e' and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}";

const RELATION_PRIVILEGES_SQL: &str = "
select n.nspname::text, c.relname::text,
       case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end,
       x.privilege_type
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
cross join lateral aclexplode(coalesce(c.relacl, acldefault('r'::\"char\", c.relowner))) x
where c.relkind in ('r', 'p', 'v', 'm', 'f') and {SYS} and n.nspname::text = any($1::text[])
  and (case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end) = any($2::text[])
  and {NOEXT}";

const FUNCTION_PRIVILEGES_SQL: &str = "
select n.nspname::text, p.proname::text || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end,
       x.privilege_type
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
cross join lateral aclexplode(coalesce(p.proacl, acldefault('f'::\"char\", p.proowner))) x
where {SYS} and n.nspname::text = any($1::text[])
  and (case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end) = any($2::text[])
  and {NOEXT}";

/// USAGE and CREATE on schemas (PostgreSQL's defaults when the ACL is NULL), for the roles asked
/// about.
const SCHEMA_PRIVILEGES_SQL: &str = "
select n.nspname::text, n.nspname::text,
       case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end,
       x.privilege_type
from pg_namespace n
cross join lateral aclexplode(coalesce(n.nspacl, acldefault('n'::\"char\", n.nspowner))) x
where n.nspname::text = any($1::text[])
  and (case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end) = any($2::text[])";

const PUBLICATION_TABLES_SQL: &str = "
select p.pubname::text, n.nspname::text, c.relname::text,
       case when pr.prattrs is not null then
         array(select a.attname::text from unnest(pr.prattrs::int2[]) with ordinality k(n, o)
               join pg_attribute a on a.attrelid = c.oid and a.attnum = k.n order by k.o) end,
       pg_get_expr(pr.prqual, pr.prrelid)
from pg_publication_rel pr
join pg_publication p on p.oid = pr.prpubid
join pg_class c on c.oid = pr.prrelid
join pg_namespace n on n.oid = c.relnamespace
where {SYS} and n.nspname::text = any($1::text[])";

const EXTENSIONS_SQL: &str = "
select e.extname::text, n.nspname::text
from pg_extension e join pg_namespace n on n.oid = e.extnamespace";

/// One argument as the functions query prints it: `mode name type[\x01default]`.
impl FunctionInfo {
    /// The routine's identity as the model keys it: name and normalised input argument types
    /// (modes `i`, `b` and `v`; `format_type` spellings).
    pub fn key(&self) -> crate::ir::FnKey {
        crate::ir::FnKey {
            name: crate::ir::QName::new(&self.schema, &self.name),
            args: self
                .args
                .iter()
                .filter(|(mode, ..)| matches!(mode.as_str(), "i" | "b" | "v"))
                .map(|(_, _, ty, _)| crate::ir::function::identity_type(ty))
                .collect(),
        }
    }
}

fn split_arg(text: &str) -> (String, String, String, Option<String>) {
    let (head, default) = match text.split_once('\u{1}') {
        Some((h, d)) => (h, Some(d.to_string())),
        None => (text, None),
    };
    let mut parts = head.splitn(3, ' ');
    let mode = parts.next().unwrap_or("i").to_string();
    let name = parts.next().unwrap_or("").to_string();
    let ty = parts.next().unwrap_or("").to_string();
    (mode, name, ty, default)
}

/// Every schema of the database that is not PostgreSQL's own, sorted.
pub fn all_schemas(client: &mut impl GenericClient) -> Result<Vec<String>, postgres::Error> {
    let text = sql(
        "select n.nspname::text from pg_namespace n where {SYS} order by 1",
        "",
        "",
    );
    client
        .query(&text, &[])?
        .iter()
        .map(|r| r.try_get(0))
        .collect()
}

/// An object the model cannot express (see [`others`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OtherInfo {
    /// Schema.
    pub schema: String,
    /// What it is: `sequence`, `domain`, `composite type`, `range type`, `aggregate`,
    /// `procedure`, `rule`, `foreign table`, `inherited table`, `event trigger`, ….
    pub kind: String,
    /// Name.
    pub name: String,
    /// The SQL that defines it, as far as the catalog gives it back.
    pub definition: String,
}

const OTHERS_SQL: &str = "
select n.nspname::text, 'sequence', c.relname::text,
       'CREATE SEQUENCE ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname)
       || ' AS ' || format_type(s.seqtypid, null) || ' INCREMENT ' || s.seqincrement
       || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax || ' START ' || s.seqstart
       || ' CACHE ' || s.seqcache || case when s.seqcycle then ' CYCLE' else '' end
from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_sequence s on s.seqrelid = c.oid
where c.relkind = 'S' and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
  and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
                  and d.objid = c.oid and d.deptype = 'i')
union all
select n.nspname::text, case t.typtype when 'd' then 'domain' when 'r' then 'range type'
                                       when 'm' then 'multirange type' else 'composite type' end,
       t.typname::text,
       case t.typtype
         when 'd' then 'CREATE DOMAIN ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname)
              || ' AS ' || format_type(t.typbasetype, t.typtypmod)
              || case when t.typnotnull then ' NOT NULL' else '' end
              || coalesce(' DEFAULT ' || t.typdefault, '')
              || coalesce((select string_agg(' CONSTRAINT ' || quote_ident(co.conname) || ' '
                             || pg_get_constraintdef(co.oid), '' order by co.conname)
                           from pg_constraint co where co.contypid = t.oid), '')
         when 'c' then 'CREATE TYPE ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname)
              || ' AS (' || (select string_agg(quote_ident(a.attname) || ' '
                             || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum)
                             from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0
                             and not a.attisdropped) || ')'
         else 'CREATE TYPE ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) || ' AS RANGE (…)'
       end
from pg_type t join pg_namespace n on n.oid = t.typnamespace
where t.typtype = 'r'
  and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT_TYPE}
union all
select n.nspname::text, case p.prokind when 'a' then 'aggregate' when 'w' then 'window function'
                                       else 'procedure' end,
       p.proname::text || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       case when p.prokind = 'p' then pg_get_functiondef(p.oid)
            else 'CREATE AGGREGATE ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname)
                 || '(' || pg_get_function_identity_arguments(p.oid) || ') (…)' end
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where p.prokind not in ('f', 'p') and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT_PROC}
union all
select n.nspname::text, 'rule', c.relname::text || '.' || r.rulename::text, pg_get_ruledef(r.oid)
from pg_rewrite r join pg_class c on c.oid = r.ev_class join pg_namespace n on n.oid = c.relnamespace
where r.rulename <> '_RETURN' and {SYS} and n.nspname::text = any($1::text[])
union all
select n.nspname::text, 'inherited table', c.relname::text,
       'ALTER TABLE ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' INHERIT '
       || quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = c.relnamespace
join pg_class pc on pc.oid = i.inhparent join pg_namespace pn on pn.oid = pc.relnamespace
where not c.relispartition and {SYS} and n.nspname::text = any($1::text[])
union all
select '', 'schema privilege',
       n.nspname::text || ' to ' || pg_get_userbyid(x.grantee)::text,
       'GRANT ' || x.privilege_type || ' ON SCHEMA ' || quote_ident(n.nspname) || ' TO '
       || quote_ident(pg_get_userbyid(x.grantee))
from pg_namespace n cross join lateral aclexplode(n.nspacl) x
where n.nspname <> 'public' and x.grantee <> n.nspowner and x.grantee <> 0
  and {SYS} and n.nspname::text = any($1::text[])
union all
select '', 'event trigger', e.evtname::text,
       'CREATE EVENT TRIGGER ' || quote_ident(e.evtname) || ' ON ' || e.evtevent
       || ' EXECUTE FUNCTION ' || e.evtfoid::regproc::text || '()'
from pg_event_trigger e
where not exists (select 1 from pg_depend d where d.classid = 'pg_event_trigger'::regclass
                  and d.objid = e.oid and d.deptype = 'e')
union all
select n.nspname::text, 'column collation', c.relname::text || '.' || a.attname::text,
       'ALTER TABLE ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' ALTER COLUMN '
       || quote_ident(a.attname) || ' TYPE ' || format_type(a.atttypid, a.atttypmod) || ' COLLATE '
       || quote_ident(cn.nspname) || '.' || quote_ident(col.collname)
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
join pg_type ty on ty.oid = a.atttypid
join pg_collation col on col.oid = a.attcollation join pg_namespace cn on cn.oid = col.collnamespace
where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
  and a.attcollation <> ty.typcollation and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
union all
select n.nspname::text, 'statistics target', c.relname::text || '.' || a.attname::text,
       'ALTER TABLE ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' ALTER COLUMN '
       || quote_ident(a.attname) || ' SET STATISTICS ' || a.attstattarget
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped and a.attstattarget >= 0
  and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
union all
select n.nspname::text, 'column storage', c.relname::text || '.' || a.attname::text,
       'ALTER TABLE ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' ALTER COLUMN '
       || quote_ident(a.attname)
       || case when a.attstorage <> ty.typstorage then ' SET STORAGE '
               || case a.attstorage when 'p' then 'PLAIN' when 'e' then 'EXTERNAL'
                                    when 'm' then 'MAIN' else 'EXTENDED' end else '' end
       || case when a.attstorage <> ty.typstorage and a.attcompression <> '' then ', ALTER COLUMN '
               || quote_ident(a.attname) else '' end
       || case a.attcompression when 'p' then ' SET COMPRESSION pglz'
                                when 'l' then ' SET COMPRESSION lz4' else '' end
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
join pg_type ty on ty.oid = a.atttypid
where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
  and (a.attstorage <> ty.typstorage or a.attcompression <> '')
  and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
union all
select n.nspname::text, 'storage parameters', c.relname::text,
       case when c.relkind = 'm' then 'ALTER MATERIALIZED VIEW ' else 'ALTER TABLE ' end || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' SET ('
       || array_to_string(c.reloptions, ', ') || ')'
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'm') and c.reloptions is not null
  and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
union all
select n.nspname::text, 'column options', c.relname::text || '.' || a.attname::text,
       case when c.relkind = 'm' then 'ALTER MATERIALIZED VIEW ' else 'ALTER TABLE ' end || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' ALTER COLUMN '
       || quote_ident(a.attname) || ' SET ('
       || array_to_string(array(select o from unnest(a.attoptions) o where o like 'n\\_distinct%'), ', ')
       || ')'
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'm') and a.attnum > 0 and not a.attisdropped
  and exists (select 1 from unnest(a.attoptions) o where o like 'n\\_distinct%')
  and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
union all
select n.nspname::text, 'table access method', c.relname::text,
       case when c.relkind = 'm' then 'ALTER MATERIALIZED VIEW ' else 'ALTER TABLE ' end || quote_ident(n.nspname) || '.' || quote_ident(c.relname)
       || ' SET ACCESS METHOD ' || quote_ident(am.amname)
from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_am am on am.oid = c.relam
where c.relkind in ('r', 'm') and am.amname <> 'heap'
  and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
union all
select n.nspname::text, case when t.oid is not null then 'index tablespace' else 'table tablespace' end,
       case when t.oid is not null then t.relname::text || '.' else '' end || c.relname::text,
       case c.relkind when 'i' then 'ALTER INDEX ' when 'I' then 'ALTER INDEX '
                      when 'm' then 'ALTER MATERIALIZED VIEW ' else 'ALTER TABLE ' end
       || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' SET TABLESPACE '
       || quote_ident(ts.spcname)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
join pg_tablespace ts on ts.oid = c.reltablespace
left join pg_index i on i.indexrelid = c.oid left join pg_class t on t.oid = i.indrelid
where c.relkind in ('r', 'p', 'm', 'i', 'I')
  and {SYS} and n.nspname::text = any($1::text[])
  and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
                  and d.objid = coalesce(t.oid, c.oid) and d.deptype = 'e')
union all
select n.nspname::text, 'index storage parameters', t.relname::text || '.' || c.relname::text,
       'ALTER INDEX ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' SET ('
       || array_to_string(c.reloptions, ', ') || ')'
from pg_class c join pg_namespace n on n.oid = c.relnamespace
join pg_index i on i.indexrelid = c.oid join pg_class t on t.oid = i.indrelid
where c.relkind in ('i', 'I') and c.reloptions is not null
  and {SYS} and n.nspname::text = any($1::text[])
  and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
                  and d.objid = t.oid and d.deptype = 'e')
union all
select '', 'access method', am.amname::text,
       'CREATE ACCESS METHOD ' || quote_ident(am.amname) || ' TYPE '
       || case am.amtype when 't' then 'TABLE' else 'INDEX' end || ' HANDLER '
       || am.amhandler::regproc::text
from pg_am am
where am.oid >= 16384
  and not exists (select 1 from pg_depend d where d.classid = 'pg_am'::regclass
                  and d.objid = am.oid and d.deptype = 'e')
union all
select '', 'publication', p.pubname::text,
       'CREATE PUBLICATION ' || quote_ident(p.pubname)
       || case when p.puballtables then ' FOR ALL TABLES' else '' end
       || coalesce((select ' FOR TABLES IN SCHEMA '
                           || string_agg(quote_ident(pn.nspname), ', ' order by pn.nspname)
                    from pg_publication_namespace ps join pg_namespace pn on pn.oid = ps.pnnspid
                    where ps.pnpubid = p.oid), '')
       || case when p.pubinsert and p.pubupdate and p.pubdelete and p.pubtruncate then ''
               else ' WITH (publish = ''' || concat_ws(', ',
                      case when p.pubinsert then 'insert' end, case when p.pubupdate then 'update' end,
                      case when p.pubdelete then 'delete' end,
                      case when p.pubtruncate then 'truncate' end) || ''')' end
from pg_publication p
where p.pubname <> 'supabase_realtime'
union all
select '', 'default privileges',
       'for ' || pg_get_userbyid(da.defaclrole)::text || coalesce(' in ' || n.nspname::text, '')
       || ' on ' || case da.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences'
                     when 'f' then 'functions' when 'T' then 'types' else 'schemas' end
       || ' to ' || case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end,
       'ALTER DEFAULT PRIVILEGES FOR ROLE ' || quote_ident(pg_get_userbyid(da.defaclrole))
       || coalesce(' IN SCHEMA ' || quote_ident(n.nspname), '') || ' GRANT '
       || string_agg(x.privilege_type, ', ' order by x.privilege_type) || ' ON '
       || case da.defaclobjtype when 'r' then 'TABLES' when 'S' then 'SEQUENCES'
               when 'f' then 'FUNCTIONS' when 'T' then 'TYPES' else 'SCHEMAS' end
       || ' TO ' || case when x.grantee = 0 then 'PUBLIC' else quote_ident(pg_get_userbyid(x.grantee)) end
from pg_default_acl da left join pg_namespace n on n.oid = da.defaclnamespace
cross join lateral aclexplode(da.defaclacl) x
where da.defaclnamespace = 0 or n.nspname::text = any($1::text[])
group by n.nspname, da.defaclrole, da.defaclobjtype, x.grantee
union all
select n.nspname::text, 'sequence privilege',
       c.relname::text || ' to '
       || case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end,
       'GRANT ' || string_agg(x.privilege_type, ', ' order by x.privilege_type) || ' ON SEQUENCE '
       || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' TO '
       || case when x.grantee = 0 then 'PUBLIC' else quote_ident(pg_get_userbyid(x.grantee)) end
from pg_class c join pg_namespace n on n.oid = c.relnamespace
cross join lateral aclexplode(c.relacl) x
where c.relkind = 'S' and x.grantee <> c.relowner
  and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
group by n.nspname, c.relname, x.grantee
union all
select n.nspname::text, 'column privilege',
       c.relname::text || '.' || a.attname::text || ' to '
       || case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end,
       'GRANT ' || string_agg(x.privilege_type, ', ' order by x.privilege_type) || ' ('
       || quote_ident(a.attname) || ') ON ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname)
       || ' TO ' || case when x.grantee = 0 then 'PUBLIC' else quote_ident(pg_get_userbyid(x.grantee)) end
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
cross join lateral aclexplode(a.attacl) x
where c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped
  and x.grantee <> c.relowner and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}
group by n.nspname, c.relname, a.attname, x.grantee
union all
select n.nspname::text, 'unlogged table', c.relname::text,
       'ALTER TABLE ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' SET UNLOGGED'
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and c.relpersistence = 'u'
  and {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}

union all
select n.nspname::text, 'constraint comment', c.relname::text || '.' || co.conname::text,
       'COMMENT ON CONSTRAINT ' || quote_ident(co.conname) || ' ON ' || quote_ident(n.nspname) || '.'
       || quote_ident(c.relname) || ' IS ' || quote_literal(ds.description)
from pg_constraint co join pg_class c on c.oid = co.conrelid join pg_namespace n on n.oid = c.relnamespace
join pg_description ds on ds.classoid = 'pg_constraint'::regclass and ds.objoid = co.oid and ds.objsubid = 0
where {SYS} and n.nspname::text = any($1::text[]) and {NOEXT}";

/// Objects in `schemas` the model has no section for (sequences that back no identity column,
/// range types (domains and composite types are read by [`domains::read`]), aggregates, procedures, rules, inheritance), properties
/// of tables it cannot write (column collations, statistics targets, storage and compression,
/// storage parameters, `UNLOGGED`, comments on constraints, the documented
/// attribute options `n_distinct` and `n_distinct_inherited` — a server may keep private ones —,
/// access methods other than heap, tablespaces other than the default), the storage parameters
/// and tablespaces of indexes, event triggers and the access methods a database creates; sorted.
pub fn others(
    client: &mut impl GenericClient,
    schemas: &[String],
) -> Result<Vec<OtherInfo>, postgres::Error> {
    let text = sql(OTHERS_SQL, "pg_class", "c.oid")
        .replace(
            "{NOEXT_TYPE}",
            &NOT_EXTENSION
                .replace("$CLASS", "pg_type")
                .replace("$OID", "t.oid"),
        )
        .replace(
            "{NOEXT_PROC}",
            &NOT_EXTENSION
                .replace("$CLASS", "pg_proc")
                .replace("$OID", "p.oid"),
        );
    let mut out = Vec::new();
    for r in client.query(&text, &[&schemas])? {
        out.push(OtherInfo {
            schema: r.try_get(0)?,
            kind: r.try_get(1)?,
            name: r.try_get(2)?,
            definition: r.try_get(3)?,
        });
    }
    out.sort();
    Ok(out)
}

/// The policies on the tables of `schemas` (also the platform's schemas, whose tables the model
/// attaches policies to).
pub fn policies(
    client: &mut impl GenericClient,
    schemas: &[String],
) -> Result<Vec<PolicyInfo>, postgres::Error> {
    let mut out = Vec::new();
    for r in client.query(&sql(POLICIES_SQL, "", ""), &[&schemas])? {
        out.push(PolicyInfo {
            schema: r.try_get(0)?,
            table: r.try_get(1)?,
            name: r.try_get(2)?,
            permissive: r.try_get(3)?,
            roles: r.try_get(4)?,
            command: r.try_get(5)?,
            using: r.try_get(6)?,
            with_check: r.try_get(7)?,
            description: r.try_get(8)?,
        });
    }
    Ok(out)
}

/// The triggers on the tables of `schemas` (also the platform's schemas, whose tables the model
/// puts triggers on).
pub fn triggers(
    client: &mut impl GenericClient,
    schemas: &[String],
) -> Result<Vec<TriggerInfo>, postgres::Error> {
    let mut out = Vec::new();
    for r in client.query(&sql(TRIGGERS_SQL, "", ""), &[&schemas])? {
        out.push(TriggerInfo {
            schema: r.try_get(0)?,
            table: r.try_get(1)?,
            name: r.try_get(2)?,
            definition: r.try_get(3)?,
            description: r.try_get(4)?,
            enabled: r.try_get(5)?,
        });
    }
    Ok(out)
}

/// Read the catalog objects in `schemas`, with privileges of `roles` (`PUBLIC` for grants to all).
pub fn read(
    client: &mut impl GenericClient,
    schemas: &[String],
    roles: &[String],
) -> Result<Catalog, postgres::Error> {
    let s = schemas;
    let mut c = Catalog::default();
    for r in client.query(&sql(SCHEMAS_SQL, "", ""), &[&s])? {
        let name: String = r.try_get(0)?;
        if let Some(d) = r.try_get::<_, Option<String>>(1)? {
            c.schema_descriptions.insert(name.clone(), d);
        }
        c.schemas.push(name);
    }
    for r in client.query(&sql(TABLES_SQL, "pg_class", "c.oid"), &[&s])? {
        c.tables.push(TableInfo {
            schema: r.try_get(0)?,
            name: r.try_get(1)?,
            rls_enabled: r.try_get(2)?,
            rls_forced: r.try_get(3)?,
            is_partition: r.try_get(4)?,
            kind: r.try_get(5)?,
            partition_key: r.try_get(6)?,
            partition_of: match (
                r.try_get::<_, Option<String>>(7)?,
                r.try_get::<_, Option<String>>(8)?,
                r.try_get::<_, Option<String>>(9)?,
            ) {
                (Some(s), Some(t), Some(b)) => Some((s, t, b)),
                _ => None,
            },
            description: r.try_get(10)?,
            replica_identity: r.try_get(11)?,
            replica_index: r.try_get(12)?,
        });
    }
    for r in client.query(&sql(COLUMNS_SQL, "pg_class", "c.oid"), &[&s])? {
        c.columns.push(ColumnInfo {
            schema: r.try_get(0)?,
            table: r.try_get(1)?,
            name: r.try_get(2)?,
            data_type: r.try_get(3)?,
            not_null: r.try_get(4)?,
            default: r.try_get(5)?,
            identity: r.try_get(6)?,
            generated: r.try_get(7)?,
            description: r.try_get(8)?,
        });
    }
    for r in client.query(&sql(CONSTRAINTS_SQL, "pg_class", "c.oid"), &[&s])? {
        c.constraints.push(ConstraintInfo {
            schema: r.try_get(0)?,
            table: r.try_get(1)?,
            name: r.try_get(2)?,
            kind: r.try_get(3)?,
            definition: r.try_get(4)?,
            columns: r.try_get(5)?,
            target: match (
                r.try_get::<_, Option<String>>(6)?,
                r.try_get::<_, Option<String>>(7)?,
            ) {
                (Some(s), Some(t)) => Some((s, t)),
                _ => None,
            },
            target_columns: r.try_get(8)?,
            actions: (r.try_get(9)?, r.try_get(10)?),
            deferrable: (r.try_get(11)?, r.try_get(12)?),
            check: r.try_get(13)?,
            validated: r.try_get(14)?,
            delete_set_columns: r.try_get(15)?,
        });
    }
    for r in client.query(&sql(INDEXES_SQL, "pg_class", "t.oid"), &[&s])? {
        c.indexes.push(IndexInfo {
            schema: r.try_get(0)?,
            table: r.try_get(1)?,
            name: r.try_get(2)?,
            definition: r.try_get(3)?,
            unique: r.try_get(4)?,
            constraint: r.try_get(5)?,
            description: r.try_get(6)?,
        });
    }
    c.policies = policies(client, s)?;
    c.triggers = triggers(client, s)?;
    for r in client.query(&sql(FUNCTIONS_SQL, "pg_proc", "p.oid"), &[&s])? {
        c.functions.push(FunctionInfo {
            schema: r.try_get(0)?,
            name: r.try_get(1)?,
            identity_args: r.try_get(2)?,
            result: r.try_get(3)?,
            security_definer: r.try_get(4)?,
            volatility: r.try_get(5)?,
            config: r.try_get(6)?,
            language: r.try_get(7)?,
            body: r.try_get(8)?,
            arguments: r.try_get(9)?,
            kind: r.try_get(10)?,
            strict: r.try_get(11)?,
            leakproof: r.try_get(12)?,
            parallel: r.try_get(13)?,
            description: r.try_get(14)?,
            args: r
                .try_get::<_, Vec<String>>(15)?
                .iter()
                .map(|a| split_arg(a))
                .collect(),
        });
    }
    for r in client.query(&sql(VIEWS_SQL, "pg_class", "c.oid"), &[&s])? {
        c.views.push(ViewInfo {
            schema: r.try_get(0)?,
            name: r.try_get(1)?,
            materialized: r.try_get(2)?,
            options: r.try_get(3)?,
            definition: r.try_get(4)?,
            description: r.try_get(5)?,
        });
    }
    for r in client.query(&sql(ENUMS_SQL, "pg_type", "t.oid"), &[&s])? {
        c.enums.push(EnumInfo {
            schema: r.try_get(0)?,
            name: r.try_get(1)?,
            labels: r.try_get(2)?,
            description: r.try_get(3)?,
        });
    }
    for (text, class, oid, out) in [
        (
            RELATION_PRIVILEGES_SQL,
            "pg_class",
            "c.oid",
            &mut c.relation_privileges,
        ),
        (
            FUNCTION_PRIVILEGES_SQL,
            "pg_proc",
            "p.oid",
            &mut c.function_privileges,
        ),
    ] {
        for r in client.query(&sql(text, class, oid), &[&s, &roles])? {
            out.push(PrivilegeInfo {
                schema: r.try_get(0)?,
                object: r.try_get(1)?,
                grantee: r.try_get(2)?,
                privilege: r.try_get(3)?,
            });
        }
    }
    let mut privilege_schemas: Vec<String> = s.to_vec();
    privilege_schemas.extend(
        crate::ir::SUPABASE_PLATFORM_SCHEMAS
            .iter()
            .map(|x| x.to_string()),
    );
    for r in client.query(SCHEMA_PRIVILEGES_SQL, &[&privilege_schemas, &roles])? {
        c.schema_privileges.push(PrivilegeInfo {
            schema: r.try_get(0)?,
            object: r.try_get(1)?,
            grantee: r.try_get(2)?,
            privilege: r.try_get(3)?,
        });
    }
    c.schema_privileges.sort();
    c.schema_privileges.dedup();
    let platform: Vec<String> = crate::ir::SUPABASE_PLATFORM_SCHEMAS
        .iter()
        .map(|x| x.to_string())
        .filter(|x| !s.contains(x))
        .collect();
    for r in client.query(
        &sql(RELATION_PRIVILEGES_SQL, "pg_class", "c.oid"),
        &[&platform, &roles],
    )? {
        c.platform_relation_privileges.push(PrivilegeInfo {
            schema: r.try_get(0)?,
            object: r.try_get(1)?,
            grantee: r.try_get(2)?,
            privilege: r.try_get(3)?,
        });
    }
    c.platform_relation_privileges.sort();
    for r in client.query(&sql(PUBLICATION_TABLES_SQL, "", ""), &[&s])? {
        c.publication_tables.push(PublicationTableInfo {
            publication: r.try_get(0)?,
            schema: r.try_get(1)?,
            table: r.try_get(2)?,
            columns: r.try_get(3)?,
            row_filter: r.try_get(4)?,
        });
    }
    c.publication_tables.sort();
    for r in client.query(EXTENSIONS_SQL, &[])? {
        c.extensions.insert(r.try_get(0)?, r.try_get(1)?);
    }
    if c.extensions.contains_key("citus") {
        for r in client.query(CITUS_SQL, &[&s])? {
            c.citus.push(CitusPlacement {
                schema: r.try_get(0)?,
                table: r.try_get(1)?,
                method: r.try_get(2)?,
                column: r.try_get(3)?,
                colocation: r.try_get(4)?,
                replication: r.try_get(5)?,
                shards: r.try_get(6)?,
            });
        }
        c.citus.sort();
    }
    for r in client.query(PUBLICATIONS_SQL, &[])? {
        c.publications.push(PublicationInfo {
            name: r.try_get(0)?,
            all_tables: r.try_get(1)?,
            publish: r.try_get(2)?,
            description: r.try_get(3)?,
        });
    }
    c.publications.sort();
    if c.extensions.contains_key("pg_cron") {
        for r in client.query(JOBS_SQL, &[])? {
            c.jobs.push(JobInfo {
                name: r.try_get(0)?,
                schedule: r.try_get(1)?,
                command: r.try_get(2)?,
                active: r.try_get(3)?,
                username: r.try_get(4)?,
            });
        }
        c.jobs.sort();
    }
    c.tables.sort();
    c.constraints.sort();
    c.indexes.sort();
    c.policies.sort();
    c.triggers.sort();
    c.functions.sort();
    c.views.sort();
    c.enums.sort();
    c.relation_privileges.sort();
    c.function_privileges.sort();
    c.schemas.sort();
    (c.default_acls, c.default_acl_global, c.current_user) = default_privileges::read(client, s)?;
    (c.domains, c.composites) = domains::read(client, s)?;
    Ok(c)
}
