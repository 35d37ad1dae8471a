//! The keys of `schema.yaml`: for every mapping the loader reads, its keys, what each holds and
//! what it means.
//!
//! Input: none (constant data). Output: [`ROOT`], the shape of a model file, from which
//! [`super::json_schema`], [`super::keys_at`] and docs/model-keys.md are produced. Invariants:
//! every [`Object`] lists exactly the keys of one loader key list (`src/load/`), which the tests of
//! [`super`] check, and every [`Shape::Choice`] lists exactly the words the loader accepts (in
//! their canonical spelling).

use super::{Key, Object, Shape};

/// A key that is not required.
const fn key(name: &'static str, shape: Shape, doc: &'static str) -> Key {
    Key {
        name,
        shape,
        doc,
        required: false,
    }
}

/// A key the loader requires (E104 when missing).
const fn required(name: &'static str, shape: Shape, doc: &'static str) -> Key {
    Key {
        name,
        shape,
        doc,
        required: true,
    }
}

const ACTIONS: Shape = Shape::Choice(&[
    "no_action",
    "restrict",
    "cascade",
    "set_null",
    "set_default",
]);
const DEFERRABLE: Shape = Shape::Either(&[
    Shape::Bool,
    Shape::Choice(&["initially_deferred", "initially_immediate"]),
]);
const PRIVILEGES: Shape = Shape::MapOf(&Shape::TextList);
const GRANTS_DOC: &str = "Privileges granted, by role: `{ authenticated: [select, insert] }`.";
const REVOKE_DOC: &str =
    "Privileges taken away, by role: `{ public: [execute] }` (also the preset's automatic grants).";
const RENAMED_DOC: &str = "The name this object had in the last migration: the next migration renames it instead of dropping and adding it. Not part of the snapshot.";
const LINT_ALLOW_DOC: &str = "Accept findings of lint rules on this object: `{ allow: { RULE: reason } }` (a code or name, with a reason).";

/// `{ description }`: roles in mapping form.
pub const DESCRIBED: Object = Object {
    id: "described",
    title: "A role",
    keys: &[key(
        "description",
        Shape::Text,
        "What it is for; becomes `COMMENT ON …`.",
    )],
    rest: None,
};

/// A schema in mapping form: its comment, its privileges and its default privileges.
pub const SCHEMA: Object = Object {
    id: "schema",
    title: "A schema",
    keys: &[
        key(
            "description",
            Shape::Text,
            "What it is for; becomes `COMMENT ON SCHEMA` (not on the platform's schemas).",
        ),
        key(
            "grants",
            PRIVILEGES,
            "Schema privileges granted, by role: `{ authenticated: [usage] }` (usage, create, all).",
        ),
        key(
            "revoke",
            PRIVILEGES,
            "Schema privileges taken away, by role: `{ public: [create] }` (also PostgreSQL's and the preset's defaults).",
        ),
        key(
            "all_tables",
            PRIVILEGES,
            "Privileges granted on every table and view of the schema the model declares, by role: `{ reporting: [select] }`.",
        ),
        key(
            "all_functions",
            PRIVILEGES,
            "EXECUTE granted on every function of the schema the model declares, by role: `{ app_worker: [execute] }`.",
        ),
        key(
            "default_privileges",
            Shape::Obj(&DEFAULT_PRIVILEGES),
            "What new objects in this schema get when they are created (`ALTER DEFAULT PRIVILEGES IN SCHEMA`): grants by class.",
        ),
    ],
    rest: None,
};

/// A table of a publication.
pub const PUBLICATION_TABLE: Object = Object {
    id: "publication_table",
    title: "A table of a publication",
    keys: &[
        key(
            "columns",
            Shape::Seq(&Shape::Name),
            "The published columns (a column list; default all). With updates or deletes published, it must include the primary key.",
        ),
        key(
            "where",
            Shape::Text,
            "Row filter: one expression over the table's columns (built-in immutable functions only); with updates or deletes published, primary key columns only.",
        ),
    ],
    rest: None,
};

const DEFAULT_CLASS: Shape = Shape::Obj(&DEFAULT_PRIVILEGES_CLASS);

/// `default_privileges:` under a schema or at the top level.
pub const DEFAULT_PRIVILEGES: Object = Object {
    id: "default_privileges",
    title: "Default privileges",
    keys: &[
        key(
            "for_role",
            Shape::Name,
            "Whose new objects are covered (`FOR ROLE`); default the role running the migrations.",
        ),
        key(
            "tables",
            DEFAULT_CLASS,
            "On new tables and views (`ON TABLES`).",
        ),
        key(
            "sequences",
            DEFAULT_CLASS,
            "On new sequences (`ON SEQUENCES`).",
        ),
        key(
            "functions",
            DEFAULT_CLASS,
            "On new functions and procedures (`ON FUNCTIONS`).",
        ),
        key("types", DEFAULT_CLASS, "On new types (`ON TYPES`)."),
    ],
    rest: None,
};

/// A publication other than `supabase_realtime`.
pub const PUBLICATION: Object = Object {
    id: "publication",
    title: "A publication (logical replication)",
    keys: &[
        key(
            "tables",
            Shape::Either(&[
                Shape::Seq(&Shape::Name),
                Shape::MapOf(&Shape::Either(&[
                    Shape::Null,
                    Shape::Obj(&PUBLICATION_TABLE),
                ])),
            ]),
            "Member tables: a list of names, or name → `{ columns, where }`.",
        ),
        key(
            "publish",
            Shape::Seq(&Shape::Choice(&["insert", "update", "delete", "truncate"])),
            "The operations published (default all four).",
        ),
        key("description", Shape::Text, "`COMMENT ON PUBLICATION`."),
    ],
    rest: None,
};

/// One class of a `default_privileges:` body.
pub const DEFAULT_PRIVILEGES_CLASS: Object = Object {
    id: "default_privileges_class",
    title: "Default privileges of one class of objects",
    keys: &[
        key(
            "grant",
            PRIVILEGES,
            "Privileges granted on every new object, by role: `{ authenticated: [select] }`.",
        ),
        key(
            "revoke",
            PRIVILEGES,
            "Privileges PostgreSQL grants by itself that new objects no longer get, by role: `{ public: [execute] }` (top-level `default_privileges:` only).",
        ),
    ],
    rest: None,
};

/// A scheduled job (pg_cron).
pub const JOB: Object = Object {
    id: "job",
    title: "A scheduled job (pg_cron)",
    keys: &[
        required(
            "schedule",
            Shape::Text,
            "When it runs: five cron fields (`0 3 * * *`), `N seconds` (1-59, pg_cron 1.5+) or a macro (`@daily`, `@hourly`, …).",
        ),
        key(
            "command",
            Shape::Text,
            "The SQL it runs: one or more statements (or `call:`).",
        ),
        key(
            "call",
            Shape::Name,
            "A function of the model, without arguments, it calls (`schema.name`); instead of `command`.",
        ),
        key(
            "active",
            Shape::Bool,
            "Whether pg_cron runs it (default true; false pauses it).",
        ),
        key("description", Shape::Text, "What it is for (DATABASE.md)."),
    ],
    rest: None,
};

/// An extension in mapping form.
pub const EXTENSION: Object = Object {
    id: "extension",
    title: "An extension",
    keys: &[
        key(
            "schema",
            Shape::Name,
            "The schema it is installed in (`WITH SCHEMA`); default `extensions` on Supabase, else the default schema.",
        ),
        key(
            "version",
            Shape::Text,
            "The version to install (`VERSION`).",
        ),
    ],
    rest: None,
};

/// An enum type in mapping form.
pub const ENUM: Object = Object {
    id: "enum",
    title: "An enum type",
    keys: &[
        key(
            "schema",
            Shape::Name,
            "The schema of the type (default: the qualified name's, else `default_schema`).",
        ),
        required(
            "values",
            Shape::TextList,
            "The labels, in order: `[active, archived, deleted]`.",
        ),
        key(
            "description",
            Shape::Text,
            "What the type means; becomes `COMMENT ON TYPE`.",
        ),
        key("renamed_from", Shape::Name, RENAMED_DOC),
    ],
    rest: None,
};

/// A function argument in mapping form.
pub const ARG: Object = Object {
    id: "function_arg",
    title: "A function argument",
    keys: &[
        key("name", Shape::Text, "The argument's name (optional)."),
        required(
            "type",
            Shape::Text,
            "Exactly one type: `uuid`, `numeric(12,2)`, `text[]`.",
        ),
        key("default", Shape::Sql, "A default: one SQL expression."),
        key(
            "mode",
            Shape::Choice(&["in", "out", "inout", "variadic"]),
            "in (default) | out | inout | variadic.",
        ),
    ],
    rest: None,
};

/// `lint: { allow: … }` on an object.
pub const LINT_ALLOW: Object = Object {
    id: "lint_allow",
    title: "Accepted lint findings",
    keys: &[key(
        "allow",
        Shape::MapOf(&Shape::Either(&[Shape::Text, Shape::Null])),
        "Rule code or name → the reason the finding is accepted (required: an empty one is E104).",
    )],
    rest: None,
};

/// A function.
pub const FUNCTION: Object = Object {
    id: "function",
    title: "A function",
    keys: &[
        key(
            "schema",
            Shape::Name,
            "The schema of the function (default: the qualified name's, else `default_schema`).",
        ),
        key(
            "args",
            Shape::ListOf(&Shape::Either(&[Shape::Text, Shape::Obj(&ARG)])),
            "Arguments: `\"name type [default expr]\"` strings or `{ name, type, default, mode }`.",
        ),
        key(
            "returns",
            Shape::Text,
            "The result type (required for a function; a procedure has none): exactly one type, `setof <type>`, `table (<name> <type>, …)` or `trigger`.",
        ),
        key(
            "language",
            Shape::Name,
            "plpgsql | sql (default) | any installed language.",
        ),
        key(
            "volatility",
            Shape::Choice(&["volatile", "stable", "immutable"]),
            "volatile (default) | stable | immutable.",
        ),
        key(
            "security",
            Shape::Choice(&["invoker", "definer"]),
            "invoker (default) | definer (`SECURITY DEFINER`).",
        ),
        key(
            "search_path",
            Shape::TextList,
            "Pins `SET search_path`: `\"\"` for none, or a list of schemas.",
        ),
        key(
            "strict",
            Shape::Bool,
            "`STRICT`: returns null on a null argument (default false).",
        ),
        key("leakproof", Shape::Bool, "`LEAKPROOF` (default false)."),
        key(
            "parallel",
            Shape::Choice(&["unsafe", "restricted", "safe"]),
            "unsafe | restricted | safe.",
        ),
        required(
            "body",
            Shape::Text,
            "The body, copied verbatim between dollar quotes.",
        ),
        key(
            "description",
            Shape::Text,
            "What the function does; becomes `COMMENT ON FUNCTION`.",
        ),
        key("grants", PRIVILEGES, GRANTS_DOC),
        key("revoke", PRIVILEGES, REVOKE_DOC),
        key("lint", Shape::Obj(&LINT_ALLOW), LINT_ALLOW_DOC),
        key(
            "kind",
            Shape::Choice(&["function", "procedure"]),
            "function (default) | procedure (`CREATE PROCEDURE`, run with `CALL`: no `returns`, `volatility`, `strict`, `leakproof` or `parallel`).",
        ),
        key(
            "renamed_from",
            Shape::Name,
            "The name it had in the previous migration (`name` or `schema.name`): `ALTER FUNCTION … RENAME TO`.",
        ),
    ],
    rest: None,
};

/// `references:` in mapping form.
pub const FK_TARGET: Object = Object {
    id: "reference",
    title: "A foreign key target",
    keys: &[
        required(
            "table",
            Shape::Name,
            "The referenced table (`table` or `schema.table`).",
        ),
        key(
            "columns",
            Shape::TextList,
            "The referenced columns (default: its primary key).",
        ),
        key("column", Shape::Name, "The referenced column (one)."),
    ],
    rest: None,
};

const REFERENCE: Shape = Shape::Either(&[Shape::Name, Shape::Obj(&FK_TARGET)]);

/// A column in mapping form.
pub const COLUMN: Object = Object {
    id: "column",
    title: "A column",
    keys: &[
        required(
            "type",
            Shape::Text,
            "The type as in PostgreSQL (`uuid`, `text`, `numeric(12,2)`, `text[]`, an enum of the model).",
        ),
        key(
            "nullable",
            Shape::Bool,
            "Whether NULL is allowed (default false: columns are NOT NULL unless you say so).",
        ),
        key(
            "default",
            Shape::Sql,
            "The default: one SQL expression (`now()`, `'active'`, `0`).",
        ),
        key(
            "identity",
            Shape::Choice(&["always", "by_default"]),
            "An identity column: always | by_default.",
        ),
        key(
            "generated",
            Shape::Sql,
            "A stored generated column: the SQL expression that computes it.",
        ),
        key(
            "primary_key",
            Shape::Either(&[Shape::Bool, Shape::Obj(&COLUMN_NAMED)]),
            "This column alone is the primary key; `{ name }` names it.",
        ),
        key(
            "unique",
            Shape::Either(&[Shape::Bool, Shape::Obj(&COLUMN_NAMED)]),
            "A unique constraint on this column alone; `{ name }` names it.",
        ),
        key(
            "check",
            Shape::Sql,
            "A check constraint on this column: one SQL condition.",
        ),
        key(
            "references",
            REFERENCE,
            "A foreign key: `table`, `table.column`, `schema.table.column` or `{ table, column }`.",
        ),
        key(
            "on_delete",
            DELETE_ACTION,
            "With `references`: no_action (default) | restrict | cascade | set_null | set_default, or `{ set_null: [cols] }` / `{ set_default: [cols] }`.",
        ),
        key(
            "on_update",
            ACTIONS,
            "With `references`: no_action (default) | restrict | cascade | set_null | set_default.",
        ),
        key(
            "deferrable",
            DEFERRABLE,
            "With `references`: false (default) | true | initially_deferred | initially_immediate.",
        ),
        key(
            "description",
            Shape::Text,
            "What the column holds; becomes `COMMENT ON COLUMN` and DATABASE.md.",
        ),
        key("lint", Shape::Obj(&LINT_ALLOW), LINT_ALLOW_DOC),
        key("renamed_from", Shape::Name, RENAMED_DOC),
        key(
            "using",
            Shape::Sql,
            "The `USING` expression of the next type change of this column. Not part of the snapshot.",
        ),
    ],
    rest: None,
};

/// A table-level unique constraint in mapping form.
pub const UNIQUE: Object = Object {
    id: "unique",
    title: "A unique constraint",
    keys: &[
        required(
            "columns",
            Shape::TextList,
            "The columns that are unique together.",
        ),
        key(
            "name",
            Shape::Name,
            "The constraint's name (default `{table}_{cols}_key`).",
        ),
        key(
            "nulls_distinct",
            Shape::Bool,
            "false: NULLS NOT DISTINCT (default true).",
        ),
    ],
    rest: None,
};

/// The table-level primary key with a name of its own.
pub const PRIMARY_KEY: Object = Object {
    id: "primary_key",
    title: "A primary key",
    keys: &[
        required("columns", Shape::TextList, "The primary key columns."),
        key(
            "name",
            Shape::Name,
            "The constraint's name (default `{table}_pkey`); its index takes the same name.",
        ),
    ],
    rest: None,
};

/// The column-level primary key or unique constraint with a name of its own.
pub const COLUMN_NAMED: Object = Object {
    id: "column_constraint_name",
    title: "A primary key or unique constraint on this column alone, with a name of its own",
    keys: &[required(
        "name",
        Shape::Name,
        "The constraint's name (instead of `{table}_pkey` / `{table}_{col}_key`); its index takes the same name.",
    )],
    rest: None,
};

/// `on_delete:` with the columns SET NULL / SET DEFAULT sets (PostgreSQL 15+).
pub const DELETE_SET: Object = Object {
    id: "on_delete_columns",
    // Editors show this title on hover over `on_delete` (the mapping form matches any scalar
    // too), so it says what the key says.
    title: "With `references`: no_action (default) | restrict | cascade | set_null | set_default; this form lists the key columns that set_null / set_default sets",
    keys: &[
        key(
            "set_null",
            Shape::TextList,
            "ON DELETE SET NULL (columns): the key columns set to NULL (the others keep their value).",
        ),
        key(
            "set_default",
            Shape::TextList,
            "ON DELETE SET DEFAULT (columns): the key columns set to their default.",
        ),
    ],
    rest: None,
};

/// `on_delete:`: an action, or `{ set_null: [cols] }` / `{ set_default: [cols] }`.
const DELETE_ACTION: Shape = Shape::Either(&[ACTIONS, Shape::Obj(&DELETE_SET)]);

/// A table-level foreign key.
pub const FK: Object = Object {
    id: "foreign_key",
    title: "A foreign key",
    keys: &[
        required("columns", Shape::TextList, "The referencing columns."),
        required(
            "references",
            REFERENCE,
            "The target: `table`, `table.column` or `{ table, columns }`.",
        ),
        key(
            "on_delete",
            DELETE_ACTION,
            "no_action (default) | restrict | cascade | set_null | set_default, or `{ set_null: [cols] }` / `{ set_default: [cols] }` to set only those key columns.",
        ),
        key(
            "on_update",
            ACTIONS,
            "no_action (default) | restrict | cascade | set_null | set_default.",
        ),
        key(
            "deferrable",
            DEFERRABLE,
            "false (default) | true | initially_deferred | initially_immediate.",
        ),
        key(
            "name",
            Shape::Name,
            "The constraint's name (default `{table}_{cols}_fkey`).",
        ),
    ],
    rest: None,
};

/// An index key in mapping form.
pub const INDEX_KEY: Object = Object {
    id: "index_key",
    title: "An index key",
    keys: &[
        key("column", Shape::Name, "The column (this or `expression`)."),
        key(
            "expression",
            Shape::Sql,
            "An SQL expression (this or `column`).",
        ),
        key("order", Shape::Choice(&["asc", "desc"]), "asc | desc."),
        key("nulls", Shape::Choice(&["first", "last"]), "first | last."),
        key(
            "opclass",
            Shape::Name,
            "An operator class (`gin_trgm_ops`).",
        ),
        key("collate", Shape::Name, "A collation."),
    ],
    rest: None,
};

/// An index of a table or materialized view.
pub const INDEX: Object = Object {
    id: "index",
    title: "An index",
    keys: &[
        key(
            "name",
            Shape::Name,
            "The index's name (default `{table}_{cols}_idx`).",
        ),
        key(
            "columns",
            Shape::ListOf(&Shape::Either(&[Shape::Name, Shape::Obj(&INDEX_KEY)])),
            "Keys: `col`, `col desc`, `col desc nulls last`, `col gin_trgm_ops`, or `{ column | expression, order, nulls, opclass, collate }`.",
        ),
        key(
            "expression",
            Shape::Sql,
            "An expression index: one SQL expression.",
        ),
        key(
            "using",
            Shape::Choice(&[
                "btree", "gin", "gist", "brin", "hash", "spgist", "hnsw", "ivfflat",
            ]),
            "The access method (default btree).",
        ),
        key("unique", Shape::Bool, "A unique index."),
        key("where", Shape::Sql, "A partial index: the SQL predicate."),
        key("include", Shape::TextList, "Covering columns (`INCLUDE`)."),
        key(
            "nulls",
            Shape::Choice(&["distinct", "not_distinct"]),
            "For unique indexes: distinct (default) | not_distinct.",
        ),
        key(
            "why",
            Shape::Text,
            "Why the index exists (the query it serves); DATABASE.md and `COMMENT ON INDEX`.",
        ),
        key("description", Shape::Text, "Same as `why`."),
        key("renamed_from", Shape::Name, RENAMED_DOC),
    ],
    rest: None,
};

/// A row-level-security policy.
pub const POLICY: Object = Object {
    id: "policy",
    title: "A policy",
    keys: &[
        key(
            "for",
            Shape::Choice(&["all", "select", "insert", "update", "delete"]),
            "The command: all (default) | select | insert | update | delete.",
        ),
        key(
            "to",
            Shape::TextList,
            "The roles it applies to; without it: PUBLIC, every role (SC409).",
        ),
        key(
            "as",
            Shape::Choice(&["permissive", "restrictive"]),
            "permissive (default) | restrictive.",
        ),
        key(
            "using",
            Shape::Sql,
            "The `USING` condition: which existing rows are visible.",
        ),
        key(
            "with_check",
            Shape::Sql,
            "The `WITH CHECK` condition: which new rows are allowed.",
        ),
        key(
            "why",
            Shape::Text,
            "Why the policy exists; DATABASE.md and `COMMENT ON POLICY`.",
        ),
        key("description", Shape::Text, "Same as `why`."),
        key("lint", Shape::Obj(&LINT_ALLOW), LINT_ALLOW_DOC),
        key("renamed_from", Shape::Name, RENAMED_DOC),
    ],
    rest: None,
};

/// `rls:` in mapping form.
pub const RLS: Object = Object {
    id: "rls",
    title: "Row level security",
    keys: &[
        key("enabled", Shape::Bool, "`ENABLE ROW LEVEL SECURITY`."),
        key(
            "force",
            Shape::Bool,
            "`FORCE ROW LEVEL SECURITY`: the owner is subject to it too.",
        ),
        key(
            "policies",
            Shape::MapOf(&Shape::Obj(&POLICY)),
            "Policies by name.",
        ),
    ],
    rest: None,
};

const EVENTS: Shape = Shape::ListOf(&Shape::Choice(&["insert", "update", "delete", "truncate"]));

/// The keys of a trigger, with `extra` first.
macro_rules! trigger_keys {
    ($($extra:expr),*) => {
        &[
            $($extra,)*
            key("before", EVENTS, "Fire before these events: insert | update | delete | truncate."),
            key("after", EVENTS, "Fire after these events: insert | update | delete | truncate."),
            key("instead_of", EVENTS, "Fire instead of these events (views)."),
            key("of", Shape::TextList, "`UPDATE OF` these columns."),
            key("for_each", Shape::Choice(&["row", "statement"]), "row (default) | statement."),
            key("when", Shape::Sql, "The `WHEN` condition: one SQL expression."),
            required("function", Shape::Name, "The trigger function (`function: update_updated_at`)."),
            key("args", Shape::TextList, "Arguments passed to the function."),
            key("description", Shape::Text, "What the trigger does; becomes `COMMENT ON TRIGGER`."),
            key(
                "enabled",
                Shape::Either(&[Shape::Bool, Shape::Choice(&["replica", "always"])]),
                "true (default) | false (`DISABLE TRIGGER`) | replica (fires only when `session_replication_role` is `replica`) | always (fires in every `session_replication_role`).",
            ),
        ]
    };
}

/// A trigger of a table (its table is the one it is declared in: no `on`).
pub const TABLE_TRIGGER: Object = Object {
    id: "trigger",
    title: "A trigger",
    keys: trigger_keys!(),
    rest: None,
};

/// A trigger at the top level, on a table the model does not own.
pub const TRIGGER: Object = Object {
    id: "external_trigger",
    title: "A trigger on a table the model does not own",
    keys: trigger_keys!(required("on", Shape::Name, "The table, e.g. `auth.users`.")),
    rest: None,
};

/// One partition and its bound.
pub const PARTITION_BOUND: Object = Object {
    id: "partition_bound",
    title: "A partition",
    keys: &[
        key(
            "from",
            Shape::TextList,
            "Range: the lower bound(s), SQL expressions (`\"'2026-01-01'\"`).",
        ),
        key(
            "to",
            Shape::TextList,
            "Range: the upper bound(s), SQL expressions.",
        ),
        key("in", Shape::TextList, "List: the values, SQL expressions."),
        key("modulus", Shape::Count, "Hash: the modulus."),
        key("remainder", Shape::Count, "Hash: the remainder."),
        key("default", Shape::Bool, "The default partition."),
    ],
    rest: None,
};

/// `partition:` of a table.
pub const PARTITION: Object = Object {
    id: "partition",
    title: "Partitioning",
    keys: &[
        required(
            "by",
            Shape::Choice(&["range", "list", "hash"]),
            "range | list | hash.",
        ),
        required("columns", Shape::TextList, "The partition key columns."),
        key(
            "partitions",
            Shape::MapOf(&Shape::Obj(&PARTITION_BOUND)),
            "The partitions by name, with their bounds.",
        ),
    ],
    rest: None,
};

/// `{ skip: reason }` under `tests:` for a derived test.
pub const OPT_OUT: Object = Object {
    id: "derived_opt_out",
    title: "An opt-out of derived tests",
    keys: &[required(
        "skip",
        Shape::Text,
        "Why the derived tests do not apply (required, E211).",
    )],
    rest: None,
};

/// `as:` of an access test in mapping form.
pub const IDENTITY: Object = Object {
    id: "identity",
    title: "The identity a test step runs as",
    keys: &[
        key(
            "role",
            Shape::Name,
            "The role (`SET LOCAL ROLE`); default `authenticated` with `user`, else `anon`.",
        ),
        key(
            "user",
            Shape::Text,
            "The user id (`sub` of the JWT claims on Supabase).",
        ),
        key(
            "claims",
            Shape::MapOf(&Shape::Any),
            "More JWT claims (Supabase).",
        ),
        key(
            "settings",
            Shape::MapOf(&Shape::Any),
            "More settings: `{ app.tenant_id: \"7\" }`.",
        ),
    ],
    rest: None,
};

const AS: Shape = Shape::Either(&[Shape::Name, Shape::Obj(&IDENTITY)]);

/// `expect:` in mapping form.
pub const EXPECT: Object = Object {
    id: "expect",
    title: "The rows a step returns",
    keys: &[required(
        "rows",
        Shape::Either(&[Shape::Count, Shape::Seq(&Shape::MapOf(&Shape::Any))]),
        "A row count, or exactly these rows (`[{ column: value }]`, any order).",
    )],
    rest: None,
};

/// One step of an access test.
pub const STEP: Object = Object {
    id: "test_step",
    title: "A test step",
    keys: &[
        required("sql", Shape::Sql, "The SQL statement to run."),
        key(
            "as",
            AS,
            "The identity of this step: a role name or `{ role, user, claims, settings }`.",
        ),
        required(
            "expect",
            Shape::Either(&[Shape::Choice(&["allowed", "denied"]), Shape::Obj(&EXPECT)]),
            "allowed | denied | `{ rows: N }` | `{ rows: [ … ] }`.",
        ),
    ],
    rest: None,
};

/// A declared access test.
pub const TEST: Object = Object {
    id: "access_test",
    title: "An access test",
    keys: &[
        key("description", Shape::Text, "What the test shows."),
        key(
            "fixtures",
            Shape::MapOf(&Shape::ListOf(&Shape::MapOf(&Shape::Any))),
            "Rows inserted first, as the owner: table → `[{ column: value }]`.",
        ),
        key(
            "setup",
            Shape::TextList,
            "SQL statements run first, as the owner.",
        ),
        key(
            "as",
            AS,
            "The identity of the steps: a role name or `{ role, user, claims, settings }`.",
        ),
        required(
            "steps",
            Shape::ListOf(&Shape::Obj(&STEP)),
            "The statements and what each must do.",
        ),
    ],
    rest: None,
};

/// `tests:` of a table: declared tests by name, and opt-outs of the derived ones.
pub const TESTS: Object = Object {
    id: "access_tests",
    title: "Access tests",
    keys: &[
        key(
            "derived",
            Shape::Obj(&OPT_OUT),
            "Opt out of every derived test of the table: `{ skip: reason }`.",
        ),
        key(
            "derived_owner_isolation",
            Shape::Obj(&OPT_OUT),
            "Opt out of the derived owner-isolation test: `{ skip: reason }`.",
        ),
        key(
            "derived_service_role_bypass",
            Shape::Obj(&OPT_OUT),
            "Opt out of the derived service-role test: `{ skip: reason }`.",
        ),
    ],
    rest: Some(&Shape::Obj(&TEST)),
};

/// A query check in mapping form.
pub const QUERY: Object = Object {
    id: "query",
    title: "A query check",
    keys: &[
        required(
            "sql",
            Shape::Sql,
            "The query whose plan must not scan the table sequentially.",
        ),
        key("why", Shape::Text, "What the query is for."),
        key(
            "fans_out",
            Shape::Bool,
            "Citus: the query is meant to run on every shard, so `verify --explain` does not warn that it fans out (E517). Default false.",
        ),
    ],
    rest: None,
};

/// One element of an exclusion constraint.
pub const EXCLUDE_ELEMENT: Object = Object {
    id: "exclude_element",
    title: "An exclusion element",
    keys: &[
        key("column", Shape::Name, "The column (this or `expression`)."),
        key(
            "expression",
            Shape::Sql,
            "One SQL expression (this or `column`).",
        ),
        required(
            "with",
            Shape::Text,
            "The operator rows must not share: `=`, `&&`, `-|-`, or `OPERATOR(schema.op)`.",
        ),
    ],
    rest: None,
};

/// An exclusion constraint (`exclude:` on a table).
pub const EXCLUDE: Object = Object {
    id: "exclude",
    title: "An exclusion constraint",
    keys: &[
        key(
            "name",
            Shape::Name,
            "The constraint's name (default `{table}_{cols}_excl`).",
        ),
        key(
            "using",
            Shape::Choice(&["gist", "spgist", "btree", "hash"]),
            "The access method (default gist).",
        ),
        required(
            "elements",
            Shape::ListOf(&Shape::Obj(&EXCLUDE_ELEMENT)),
            "`{ column | expression, with }`: no two rows may match on all of them.",
        ),
        key(
            "where",
            Shape::Sql,
            "A predicate: only rows matching it are constrained.",
        ),
        key(
            "deferrable",
            DEFERRABLE,
            "false (default) | true | initially_deferred | initially_immediate.",
        ),
    ],
    rest: None,
};

/// `distribution: { column, colocate_with, shard_count }`: a hash-distributed table (Citus).
pub const DISTRIBUTION: Object = Object {
    id: "distribution",
    title: "How Citus distributes a table by a column",
    keys: &[
        required(
            "column",
            Shape::Name,
            "The distribution column: rows are placed on shards by its hash (it belongs in every primary key, unique constraint and co-located foreign key).",
        ),
        key(
            "colocate_with",
            Shape::Name,
            "A hash-distributed table (`table` or `schema.table`) whose shards this table's shards live with; without it the table starts its own co-location group.",
        ),
        key(
            "shard_count",
            Shape::Count,
            "How many shards (1 to 64000; Citus's default 32); only on a table that starts its group.",
        ),
    ],
    rest: None,
};

/// `data: { key, rows }`: a table's reference rows with the columns that identify them.
pub const DATA: Object = Object {
    id: "data",
    title: "Reference rows of a table",
    keys: &[
        key(
            "key",
            Shape::TextList,
            "The columns that identify a row: the primary key's or a unique constraint's (default: the primary key).",
        ),
        required(
            "rows",
            Shape::Seq(&Shape::MapOf(&Shape::Any)),
            "The rows: `{ column: value }` each; values are literals cast to the column's type, never SQL.",
        ),
    ],
    rest: None,
};

/// A Supabase Storage bucket.
pub const BUCKET: Object = Object {
    id: "bucket",
    title: "A Supabase Storage bucket",
    keys: &[
        key(
            "public",
            Shape::Bool,
            "Objects are readable by URL without a policy (default false).",
        ),
        key(
            "file_size_limit",
            Shape::Count,
            "The largest object, in bytes (default: the platform's limit).",
        ),
        key(
            "allowed_mime_types",
            Shape::TextList,
            "The MIME types objects may have (default: any).",
        ),
    ],
    rest: None,
};

/// A table.
pub const TABLE: Object = Object {
    id: "table",
    title: "A table",
    keys: &[
        key(
            "schema",
            Shape::Name,
            "The schema of the table (default: the qualified name's, else `default_schema`).",
        ),
        key(
            "description",
            Shape::Text,
            "What the table holds; becomes `COMMENT ON TABLE` and DATABASE.md.",
        ),
        key(
            "group",
            Shape::Name,
            "The domain: `generated/er/<group>.mmd` draws this group's tables.",
        ),
        required(
            "columns",
            Shape::MapOf(&Shape::Either(&[Shape::Text, Shape::Obj(&COLUMN)])),
            "Columns by name: a type (`text`, NOT NULL) or `{ type, nullable, default, … }`.",
        ),
        key(
            "primary_key",
            Shape::Either(&[Shape::TextList, Shape::Obj(&PRIMARY_KEY)]),
            "The primary key columns (or `primary_key: true` on one column); `{ columns, name }` names it.",
        ),
        key(
            "unique",
            Shape::ListOf(&Shape::Either(&[Shape::TextList, Shape::Obj(&UNIQUE)])),
            "Unique constraints: `[a, b]` or `{ columns, name, nulls_distinct }`.",
        ),
        key(
            "checks",
            Shape::MapOf(&Shape::Sql),
            "Check constraints by name: one SQL condition each.",
        ),
        key(
            "foreign_keys",
            Shape::ListOf(&Shape::Obj(&FK)),
            "Foreign keys over several columns.",
        ),
        key("indexes", Shape::ListOf(&Shape::Obj(&INDEX)), "Indexes."),
        key(
            "rls",
            Shape::Either(&[Shape::Bool, Shape::Obj(&RLS)]),
            "Row level security: `{ enabled, force, policies }` (or true/false).",
        ),
        key(
            "triggers",
            Shape::MapOf(&Shape::Obj(&TABLE_TRIGGER)),
            "Triggers by name.",
        ),
        key("grants", PRIVILEGES, GRANTS_DOC),
        key("revoke", PRIVILEGES, REVOKE_DOC),
        key(
            "realtime",
            Shape::Bool,
            "A member of the `supabase_realtime` publication.",
        ),
        key(
            "partition",
            Shape::Obj(&PARTITION),
            "Declarative partitioning: `{ by, columns, partitions }`.",
        ),
        key(
            "distribution",
            Shape::Either(&[
                Shape::Choice(&["reference", "local"]),
                Shape::Obj(&DISTRIBUTION),
            ]),
            "Where Citus keeps the table (`target: citus` only): `reference` (a copy on every node), `local` (the default: on the coordinator only) or `{ column, colocate_with, shard_count }` (hash-distributed).",
        ),
        key(
            "data",
            Shape::Either(&[Shape::Seq(&Shape::MapOf(&Shape::Any)), Shape::Obj(&DATA)]),
            "Reference rows the migrations insert and keep as declared, keyed by the primary key: `[{ id: 1, name: free }]` or `{ key: [code], rows: [...] }`.",
        ),
        key(
            "exclude",
            Shape::ListOf(&Shape::Obj(&EXCLUDE)),
            "Exclusion constraints: `{ using, elements: [{ column | expression, with }], where, name, deferrable }`.",
        ),
        key("lint", Shape::Obj(&LINT_ALLOW), LINT_ALLOW_DOC),
        key("renamed_from", Shape::Name, RENAMED_DOC),
        key(
            "tests",
            Shape::Obj(&TESTS),
            "Row-level-security tests `schemac test` runs, by name. Not part of the snapshot.",
        ),
        key(
            "queries",
            Shape::ListOf(&Shape::Either(&[Shape::Sql, Shape::Obj(&QUERY)])),
            "Queries the indexes exist for, checked by `schemac verify --explain`: SQL or `{ sql, why, fans_out }`.",
        ),
        key(
            "replica_identity",
            Shape::Either(&[
                Shape::Choice(&["default", "full", "nothing"]),
                Shape::Obj(&REPLICA_IDENTITY_INDEX),
            ]),
            "What UPDATE and DELETE write to the WAL to identify the old row (logical replication, Realtime): `default` (the primary key), `full` (every column), `nothing`, or `{ index: name }` (a unique index on NOT NULL columns).",
        ),
    ],
    rest: None,
};

/// `replica_identity: { index: name }`.
pub const REPLICA_IDENTITY_INDEX: Object = Object {
    id: "replica_identity_index",
    title: "A replica identity index",
    keys: &[required(
        "index",
        Shape::Name,
        "A unique, non-partial, non-deferrable index (or unique constraint, or the primary key) of the table on NOT NULL columns.",
    )],
    rest: None,
};

/// A view.
pub const VIEW: Object = Object {
    id: "view",
    title: "A view",
    keys: &[
        key(
            "schema",
            Shape::Name,
            "The schema of the view (default: the qualified name's, else `default_schema`).",
        ),
        key(
            "materialized",
            Shape::Bool,
            "A materialized view (default false).",
        ),
        key(
            "security_invoker",
            Shape::Bool,
            "Run with the caller's privileges and RLS (default true for plain views).",
        ),
        required("query", Shape::Sql, "The view's query: one `SELECT`."),
        key(
            "description",
            Shape::Text,
            "What the view shows; becomes `COMMENT ON VIEW`.",
        ),
        key("grants", PRIVILEGES, GRANTS_DOC),
        key("revoke", PRIVILEGES, REVOKE_DOC),
        key(
            "indexes",
            Shape::ListOf(&Shape::Obj(&INDEX)),
            "Indexes (materialized views only).",
        ),
        key("group", Shape::Name, "The domain of the ER diagrams."),
        key("lint", Shape::Obj(&LINT_ALLOW), LINT_ALLOW_DOC),
    ],
    rest: None,
};

/// `supabase:`.
pub const SUPABASE: Object = Object {
    id: "supabase",
    title: "Supabase project settings",
    keys: &[key(
        "auto_expose_new_tables",
        Shape::Bool,
        "The project still grants new objects in `public` to anon, authenticated and service_role automatically.",
    )],
    rest: None,
};

/// A required column of `lint.required_columns` in mapping form.
pub const REQUIRED_COLUMN: Object = Object {
    id: "required_column",
    title: "A column every table must have (SC207)",
    keys: &[
        key("type", Shape::Text, "Its type."),
        key("nullable", Shape::Bool, "Whether it may be NULL."),
        key("default", Shape::Sql, "Its default."),
    ],
    rest: None,
};

/// `lint:` at the top level.
pub const LINT: Object = Object {
    id: "lint",
    title: "Lint settings",
    keys: &[
        key(
            "exposed_schemas",
            Shape::TextList,
            "Schemas the API exposes (default `[public]` on Supabase, `[]` otherwise).",
        ),
        key(
            "client_roles",
            Shape::TextList,
            "The client roles (default: the preset's).",
        ),
        key(
            "supabase_default_grants",
            Shape::Any,
            "Removed (error E210): write `supabase: { auto_expose_new_tables: … }`.",
        ),
        key(
            "rules",
            Shape::MapOf(&Shape::Choice(&["off", "info", "warn", "error"])),
            "Severity by rule code or name: off | info | warn | error.",
        ),
        key(
            "required_columns",
            Shape::Either(&[
                Shape::Seq(&Shape::Name),
                Shape::MapOf(&Shape::Either(&[Shape::Null, Shape::Obj(&REQUIRED_COLUMN)])),
            ]),
            "For SC207: column names, or name → `{ type, nullable, default }`.",
        ),
    ],
    rest: None,
};

/// An acknowledgement of a risky change.
pub const ACKNOWLEDGE: Object = Object {
    id: "acknowledgement",
    title: "An acknowledged risky change",
    keys: &[
        required("rule", Shape::Text, "The SC6xx rule, by code or name."),
        required("object", Shape::Text, "The object, e.g. `public.legacy`."),
        required("reason", Shape::Text, "Why the change is safe to ship."),
    ],
    rest: None,
};

/// `migrations:`.
pub const MIGRATIONS: Object = Object {
    id: "migrations",
    title: "Migration settings",
    keys: &[
        key(
            "concurrent_indexes",
            Shape::Bool,
            "Indexes on existing tables: `CONCURRENTLY`, in a follow-up file (default true; false with `layout: supabase`).",
        ),
        key(
            "not_valid_constraints",
            Shape::Bool,
            "Foreign keys and checks on existing tables: `NOT VALID`, then `VALIDATE` (default true).",
        ),
        key(
            "not_null_via_check",
            Shape::Bool,
            "`SET NOT NULL` through a validated check constraint (default true).",
        ),
        key(
            "layout",
            Shape::Choice(&["numbered", "supabase"]),
            "numbered (`generated/migrations/NNNN_slug.sql`) | supabase (`supabase/migrations/`).",
        ),
        key(
            "acknowledge",
            Shape::ListOf(&Shape::Obj(&ACKNOWLEDGE)),
            "Risky changes of the next migration (SC6xx findings) accepted: `{ rule, object, reason }`.",
        ),
    ],
    rest: None,
};

/// Named items written as a list of names, or as a map of name → `{ description }` (or nothing).
const DESCRIBED_ITEMS: Shape = Shape::Either(&[
    Shape::Seq(&Shape::Name),
    Shape::MapOf(&Shape::Either(&[Shape::Null, Shape::Obj(&DESCRIBED)])),
]);

/// A model file.
pub const TOP: Object = Object {
    id: "model",
    title: "schemac model (schema.yaml)",
    keys: &[
        key(
            "version",
            Shape::Version,
            "The format version: 1 (required in one file of the model).",
        ),
        key(
            "preset",
            Shape::Choice(&["postgres", "supabase"]),
            "postgres (default) | supabase: what the platform provides (auth.users, auth.uid(), roles).",
        ),
        key(
            "default_schema",
            Shape::Name,
            "The schema of unqualified names (default public).",
        ),
        key(
            "schemas",
            Shape::Either(&[
                Shape::Seq(&Shape::Name),
                Shape::MapOf(&Shape::Either(&[Shape::Null, Shape::Obj(&SCHEMA)])),
            ]),
            "Schemas: a list of names or name → `{ description, grants, revoke, all_tables, all_functions, default_privileges }`; `public` and the platform's schemas only take privileges and default privileges.",
        ),
        key(
            "grants",
            Shape::MapOf(&PRIVILEGES),
            "Grants on the platform's tables the model does not own, by table: `{ auth.users: { app_worker: [select] } }`.",
        ),
        key(
            "extensions",
            Shape::Either(&[
                Shape::Seq(&Shape::Name),
                Shape::MapOf(&Shape::Either(&[Shape::Null, Shape::Obj(&EXTENSION)])),
            ]),
            "Extensions: a list of names or name → `{ schema, version }`.",
        ),
        key(
            "roles",
            DESCRIBED_ITEMS,
            "Roles policies and grants may name (created if missing, never dropped).",
        ),
        key(
            "enums",
            Shape::MapOf(&Shape::Either(&[
                Shape::Seq(&Shape::Text),
                Shape::Obj(&ENUM),
            ])),
            "Enum types by name: a list of values or `{ values, description }`.",
        ),
        key(
            "functions",
            Shape::MapOf(&Shape::Either(&[
                Shape::Obj(&FUNCTION),
                Shape::Seq(&Shape::Obj(&FUNCTION)),
            ])),
            "Functions and procedures by name; a list under one name declares its overloads.",
        ),
        key(
            "tables",
            Shape::MapOf(&Shape::Obj(&TABLE)),
            "Tables by name (`name` or `schema.name`).",
        ),
        key("views", Shape::MapOf(&Shape::Obj(&VIEW)), "Views by name."),
        key(
            "triggers",
            Shape::MapOf(&Shape::Obj(&TRIGGER)),
            "Triggers on tables the model does not own (`on: auth.users`), by name.",
        ),
        key(
            "policies",
            Shape::MapOf(&Shape::MapOf(&Shape::Obj(&POLICY))),
            "Policies on platform tables the model does not own (`storage.objects`), by table, then by name.",
        ),
        key(
            "supabase",
            Shape::Obj(&SUPABASE),
            "How the Supabase project behaves.",
        ),
        key(
            "lint",
            Shape::Obj(&LINT),
            "`schemac lint` settings; not part of the snapshot.",
        ),
        key(
            "migrations",
            Shape::Obj(&MIGRATIONS),
            "How incremental migrations are written.",
        ),
        key(
            "target",
            Shape::Choice(&["postgres", "citus"]),
            "postgres (default) | citus: the database the migrations are for; with citus, tables may declare a `distribution:`.",
        ),
        key(
            "default_privileges",
            Shape::Obj(&DEFAULT_PRIVILEGES),
            "Default privileges in every schema (`ALTER DEFAULT PRIVILEGES` without `IN SCHEMA`): grants and revokes by class; per-schema ones go under `schemas:`.",
        ),
        key(
            "domains",
            Shape::MapOf(&Shape::Either(&[Shape::Text, Shape::Obj(&DOMAIN)])),
            "Domains by name: a base type, or `{ type, nullable, default, collation, checks, description }`.",
        ),
        key(
            "types",
            Shape::MapOf(&Shape::Obj(&COMPOSITE)),
            "Composite types by name: `{ fields: { name: type }, description }`.",
        ),
        key(
            "jobs",
            Shape::MapOf(&Shape::Obj(&JOB)),
            "Scheduled jobs (pg_cron) by job name; needs `extensions: [pg_cron]`.",
        ),
        key(
            "publications",
            Shape::MapOf(&Shape::Obj(&PUBLICATION)),
            "Publications other than supabase_realtime (use `realtime: true` for that one), by name.",
        ),
        key(
            "buckets",
            Shape::Either(&[
                Shape::Seq(&Shape::Name),
                Shape::MapOf(&Shape::Either(&[Shape::Null, Shape::Obj(&BUCKET)])),
            ]),
            "Supabase Storage buckets (rows of `storage.buckets`) by id: `{ avatars: { public: true } }` or `[avatars]`.",
        ),
    ],
    rest: None,
};

/// The shape of a model file.
pub const ROOT: Shape = Shape::Obj(&TOP);

/// A domain in mapping form.
pub const DOMAIN: Object = Object {
    id: "domain",
    title: "A domain",
    keys: &[
        key(
            "schema",
            Shape::Name,
            "The schema of the domain (default: the qualified name's, else `default_schema`).",
        ),
        required(
            "type",
            Shape::Text,
            "The base type: a built-in type, an enum, another domain, a composite or an extension's type.",
        ),
        key(
            "nullable",
            Shape::Bool,
            "`false` makes the domain NOT NULL (default `true`: the columns decide).",
        ),
        key("default", Shape::Sql, "DEFAULT: one SQL expression."),
        key(
            "collation",
            Shape::Name,
            "COLLATE: a collation of a text base type.",
        ),
        key(
            "checks",
            Shape::MapOf(&Shape::Either(&[Shape::Sql, Shape::Obj(&DOMAIN_CHECK)])),
            "Named CHECK constraints: one expression each, reading the value as `value`.",
        ),
        key(
            "description",
            Shape::Text,
            "What the domain means; becomes `COMMENT ON TYPE`.",
        ),
        key("renamed_from", Shape::Name, RENAMED_DOC),
    ],
    rest: None,
};

/// A domain check in mapping form.
pub const DOMAIN_CHECK: Object = Object {
    id: "domain_check",
    title: "A check of a domain",
    keys: &[
        required(
            "check",
            Shape::Sql,
            "One expression reading the value as `value`.",
        ),
        key(
            "renamed_from",
            Shape::Name,
            "The check's previous name (`RENAME CONSTRAINT`).",
        ),
    ],
    rest: None,
};

/// A composite type.
pub const COMPOSITE: Object = Object {
    id: "composite_type",
    title: "A composite type",
    keys: &[
        key(
            "schema",
            Shape::Name,
            "The schema of the type (default: the qualified name's, else `default_schema`).",
        ),
        required(
            "fields",
            Shape::MapOf(&Shape::Either(&[Shape::Text, Shape::Obj(&FIELD)])),
            "The fields in order, by name: a type, or `{ type, renamed_from }`.",
        ),
        key(
            "description",
            Shape::Text,
            "What the type means; becomes `COMMENT ON TYPE`.",
        ),
        key("renamed_from", Shape::Name, RENAMED_DOC),
    ],
    rest: None,
};

/// A field of a composite type in mapping form.
pub const FIELD: Object = Object {
    id: "composite_field",
    title: "A field of a composite type",
    keys: &[
        required("type", Shape::Text, "Exactly one type."),
        key(
            "renamed_from",
            Shape::Name,
            "The field's previous name (`RENAME ATTRIBUTE`).",
        ),
    ],
    rest: None,
};
