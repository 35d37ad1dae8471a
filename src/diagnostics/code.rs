//! Stable diagnostic codes of the compiler stages.
//!
//! Input: nothing; this is a table. Output: the [`Code`] enum with each code's text and kebab-case
//! name. Invariants: codes are permanent — never renumbered or reused; every code has a section in
//! `docs/diagnostics.md` (a test checks it) and a failing fixture in `tests/fixtures/errors/`.

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal; )*) => {
        /// A stable diagnostic code. `E1xx` load, `E2xx` resolve, `E3xx` validate, `E4xx` migrations, `E5xx`
        /// database (`verify`, `test`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as users see it, e.g. `E102`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The kebab-case name, e.g. `unknown-key`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }
        }
    };
}

codes! {
    /// A file or folder could not be read.
    Io = "E100", "io-error";
    /// The YAML is malformed.
    YamlSyntax = "E101", "yaml-syntax";
    /// A key that the model does not know.
    UnknownKey = "E102", "unknown-key";
    /// A value of the wrong kind (a list where a map belongs, …).
    WrongType = "E103", "wrong-type";
    /// A required key is missing.
    MissingKey = "E104", "missing-key";
    /// A value outside the allowed set.
    InvalidValue = "E105", "invalid-value";
    /// The same key twice in one mapping.
    DuplicateKey = "E106", "duplicate-key";
    /// `version` is missing or not supported.
    UnsupportedVersion = "E107", "unsupported-version";
    /// Two objects of the same kind with the same qualified name.
    DuplicateObject = "E201", "duplicate-object";
    /// A column type that is neither built in, an enum of the model nor from a declared extension.
    UnknownType = "E202", "unknown-type";
    /// A reference to a table that is not in the model or the preset.
    UnknownTable = "E203", "unknown-table";
    /// A reference to a column that the table does not have.
    UnknownColumn = "E204", "unknown-column";
    /// A reference to a function that is not in the model or the preset.
    UnknownFunction = "E205", "unknown-function";
    /// A role that is neither declared nor provided by the preset.
    UnknownRole = "E206", "unknown-role";
    /// An object in a schema the model does not declare.
    UnknownSchema = "E207", "unknown-schema";
    /// A name that is not a usable PostgreSQL identifier.
    InvalidName = "E208", "invalid-name";
    /// A table has a `distribution:` but the model does not say `target: citus`.
    CitusTargetRequired = "E209", "citus-target-required";
    /// A setting that a newer one replaced (the model must say what it means under the new one).
    SettingReplaced = "E210", "setting-replaced";
    /// A declared test named like a derived one without opting it out, or an opt-out without a
    /// reason.
    DerivedTestOptOut = "E211", "derived-test-opt-out";
    /// A platform schema (`auth`, `storage`, … on Supabase) declared with more than privileges:
    /// the platform owns it, so the model may only grant and revoke on it.
    PlatformSchemaDeclared = "E212", "platform-schema-declared";
    /// A top-level grant on a table that is not a platform table (`auth.users`, …).
    GrantTargetNotPlatform = "E213", "grant-target-not-platform";
    /// A default privilege `for_role` the migrations cannot act for (PUBLIC, or on Supabase a
    /// platform role other than `postgres`).
    DefaultPrivilegesForRole = "E214", "default-privileges-for-role";
    /// A data row or `key:` names a column the table does not have.
    DataUnknownColumn = "E215", "data-unknown-column";
    /// An exclusion constraint's `with:` that is not an operator token.
    InvalidOperator = "E216", "invalid-operator";
    /// A job schedule pg_cron would not accept (cron fields, `N seconds`).
    InvalidJobSchedule = "E217", "invalid-job-schedule";
    /// A domain or composite type built from itself (directly or through other types).
    TypeCycle = "E218", "type-cycle";
    /// Two functions or procedures with the same name and the same input argument types.
    DuplicateFunctionSignature = "E219", "duplicate-function-signature";
    /// A SQL fragment that does not parse.
    SqlSyntax = "E301", "sql-syntax";
    /// A column named in a SQL fragment that does not exist where it is evaluated.
    SqlUnknownColumn = "E302", "sql-unknown-column";
    /// A table, view or function named in a SQL fragment that does not exist.
    SqlUnknownObject = "E303", "sql-unknown-object";
    /// A foreign key whose target columns are not a primary key or unique constraint.
    FkTargetNotUnique = "E304", "fk-target-not-unique";
    /// A foreign key whose column types (or count) cannot match its target.
    FkTypeMismatch = "E305", "fk-type-mismatch";
    /// An identifier, given or generated, longer than 63 bytes.
    IdentifierTooLong = "E306", "identifier-too-long";
    /// Column options that contradict each other.
    ConflictingOptions = "E307", "conflicting-options";
    /// A partitioning declaration PostgreSQL would reject.
    InvalidPartitioning = "E308", "invalid-partitioning";
    /// More than one primary key on a table.
    MultiplePrimaryKeys = "E309", "multiple-primary-keys";
    /// A feature that needs a preset the model does not use.
    PresetRequired = "E310", "preset-required";
    /// A policy clause that PostgreSQL does not allow for the policy's command.
    InvalidPolicyClause = "E311", "invalid-policy-clause";
    /// Views or functions that depend on each other in a cycle.
    DependencyCycle = "E312", "dependency-cycle";
    /// Two objects that would get the same name in the database.
    NameCollision = "E313", "name-collision";
    /// A privilege that does not apply to the object it is granted on.
    InvalidPrivilege = "E314", "invalid-privilege";
    /// A primary key, unique constraint or unique index of a distributed table lacks its
    /// distribution column.
    CitusKeyWithoutDistributionColumn = "E315", "citus-key-without-distribution-column";
    /// A foreign key Citus rejects between distributed, reference and local tables.
    CitusForeignKey = "E316", "citus-foreign-key";
    /// An invalid co-location: with a table that is not hash-distributed, with itself, across
    /// distribution column types, or with a shard count of its own.
    CitusColocation = "E317", "citus-colocation";
    /// A table declared in a schema the platform owns (`auth`, `storage`, …).
    PlatformTableDeclared = "E318", "platform-table-declared";
    /// A top-level policy on a table that is not a platform table.
    PolicyTargetNotPlatform = "E319", "policy-target-not-platform";
    /// A table Citus cannot distribute the way the model says (type without hash, partitioned
    /// reference table, …).
    CitusCannotDistribute = "E320", "citus-cannot-distribute";
    /// A unique constraint that repeats the primary key or another unique constraint (PostgreSQL
    /// folds it away).
    RedundantUnique = "E321", "redundant-unique";
    /// A subquery in a policy of a distributed or reference table of a Citus model (Citus
    /// refuses it at `CREATE POLICY` and at distribution).
    CitusPolicySubquery = "E322", "citus-policy-subquery";
    /// A `revoke:` in the default privileges of one schema (PostgreSQL only adds per schema).
    DefaultPrivilegeRevokeInSchema = "E325", "default-privilege-revoke-in-schema";
    /// A default privilege granted and revoked for the same role, or granted twice (through
    /// `all` and by name) in one class.
    ConflictingDefaultPrivilege = "E326", "conflicting-default-privilege";
    /// A data row lacks a column that needs a value (NOT NULL without default), or gives one to a
    /// generated column.
    DataMissingColumn = "E327", "data-missing-column";
    /// A data value that does not fit its column (a number for a boolean, null for NOT NULL, …).
    DataValueMismatch = "E328", "data-value-mismatch";
    /// Data whose rows cannot be told apart: no primary key or `key:`, a key that is not a primary
    /// key or unique constraint, a row without its key, or two rows with the same key.
    DataKeyInvalid = "E329", "data-key-invalid";
    /// `on_delete: { set_null: […] }` / `{ set_default: […] }` lists a column that is not one of
    /// the foreign key's columns, or lists one twice.
    OnDeleteColumnNotInKey = "E330", "on-delete-column-not-in-key";
    /// A gist exclusion constraint compares a scalar column with a btree operator (`=`) and the
    /// model does not declare the `btree_gist` extension that provides it.
    ExclusionNeedsBtreeGist = "E331", "exclusion-needs-btree-gist";
    /// An exclusion constraint on a partitioned table (PostgreSQL 15 refuses it).
    ExclusionOnPartitionedTable = "E332", "exclusion-on-partitioned-table";
    /// Scheduled jobs in a model that does not declare the `pg_cron` extension.
    JobWithoutPgCron = "E333", "job-without-pg-cron";
    /// A job command that is not SQL statements, or a `call:` that is not a model function
    /// callable without arguments.
    InvalidJobCommand = "E334", "invalid-job-command";
    /// A publication PostgreSQL would refuse: an unknown table or column, a row filter that is
    /// not one simple expression over the table's columns, a column list or row filter that
    /// leaves out replica identity columns while publishing updates or deletes.
    InvalidPublication = "E335", "invalid-publication";
    /// A domain or composite type named like a table or view of its schema (a table's row type
    /// has the table's name in the same namespace).
    TypeNameCollision = "E336", "type-name-collision";
    /// A column declared `nullable: true` whose type is a domain declared `nullable: false`.
    NullableColumnOfNotNullDomain = "E337", "nullable-column-of-not-null-domain";
    /// A domain whose base type a domain cannot have (a pseudo-type, or a table's row type).
    InvalidDomainBase = "E338", "invalid-domain-base";
    /// An option a procedure cannot have (`returns`, `volatility`, `strict`, `leakproof`,
    /// `parallel`).
    ProcedureOption = "E339", "procedure-option";
    /// A trigger's `function:` names a function without an overload that takes no arguments.
    TriggerFunctionSignature = "E340", "trigger-function-signature";
    /// A procedure used where a function is needed (a trigger, or a call in SQL).
    ProcedureCalledAsFunction = "E341", "procedure-called-as-function";
    /// A `replica_identity: { index: … }` that names no index of the table, or one PostgreSQL
    /// cannot use (not unique, partial, deferrable, on an expression or a nullable column).
    ReplicaIdentityIndexInvalid = "E342", "replica-identity-index-invalid";
    /// A trigger calls a function an extension provides (`moddatetime`), and the model does not
    /// declare that extension.
    ExtensionNotDeclared = "E343", "extension-not-declared";
    /// A trigger passes an extension's trigger function a number of arguments it refuses when the
    /// trigger fires (`moddatetime` takes exactly one column).
    ExtensionTriggerArguments = "E344", "extension-trigger-arguments";
    /// A policy of a distributed table calls a function that reads a distributed or reference
    /// table (Citus fails every query on the table: a distributed query from a shard).
    CitusPolicyFunctionReadsTable = "E345", "citus-policy-function-reads-table";
    /// A committed migration was edited, removed or reordered.
    MigrationTampered = "E401", "migration-tampered";
    /// The model has changes that no committed migration describes yet.
    PendingChanges = "E402", "pending-changes";
    /// The committed snapshot cannot be read.
    SnapshotUnreadable = "E403", "snapshot-unreadable";
    /// Generated files differ from what the model produces.
    StaleOutput = "E404", "stale-output";
    /// The next migration has risky changes that nobody acknowledged.
    UnacknowledgedChanges = "E405", "unacknowledged-changes";
    /// A `--name` for a migration that cannot be a file name.
    InvalidMigrationName = "E406", "invalid-migration-name";
    /// A file or folder of the output could not be written.
    WriteFailed = "E407", "write-failed";
    /// A `build` was interrupted: its journal or temporary files are left in the project.
    UnfinishedBuild = "E408", "unfinished-build";
    /// Another schemac command kept the project locked for too long.
    ProjectLocked = "E409", "project-locked";
    /// An object of the model that the database does not have (`verify`).
    VerifyMissingInDatabase = "E501", "missing-in-database";
    /// An object in the database that the model does not declare (`verify`).
    VerifyNotInModel = "E502", "not-in-model";
    /// An object whose definition in the database differs from the model (`verify`).
    VerifyDefinitionDiffers = "E503", "definition-differs";
    /// The database server cannot be reached, refuses the login, or lacks a needed privilege.
    DatabaseUnavailable = "E504", "database-unavailable";
    /// A migration failed to apply to the scratch database (`verify`).
    MigrationFailed = "E505", "migration-failed";
    /// `plpgsql_check` found a problem in a function body (`verify`).
    FunctionBodyProblem = "E506", "function-body-problem";
    /// An access test whose step did not do what it expects (`test`).
    AccessTestFailed = "E507", "access-test-failed";
    /// A declared query whose plan scans its table sequentially (`verify --explain`).
    QuerySeqScan = "E508", "query-seq-scan";
    /// An applied migration whose file changed since (`migrate`).
    MigrateChecksumMismatch = "E509", "migrate-checksum-mismatch";
    /// The migration history and the migrations folder disagree (`migrate`).
    MigrateHistoryMismatch = "E510", "migrate-history-mismatch";
    /// `migrate` in a project whose migrations another tool applies (`layout: supabase`).
    MigrateNotOwned = "E511", "migrate-not-owned";
    /// A SQL file given to `import --sql` failed to apply to the scratch database.
    ImportSqlFailed = "E513", "import-sql-failed";
    /// `import` left objects the model cannot express out (without `--allow-partial`).
    ImportIncomplete = "E514", "import-incomplete";
    /// `import` would overwrite an existing model file (without `--force`).
    ImportOutputExists = "E515", "import-output-exists";
    /// The model `import` wrote does not compile (a bug in import).
    ImportModelInvalid = "E516", "import-model-invalid";
    /// On Citus, a declared query runs on every shard of its distributed table (`verify
    /// --explain`; a warning).
    QueryFansOut = "E517", "query-fans-out";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sorted() {
        let texts: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = texts.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(texts, sorted);
        for c in Code::ALL {
            assert!(
                c.name()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-' || ch.is_ascii_digit())
            );
        }
    }
}
