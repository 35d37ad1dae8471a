//! SC609 `volatile-default-on-existing-table`.

use crate::declare_rule;
use crate::diff::ChangeKind;
use crate::ir::{Model, QName};
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};
use crate::sqlfrag::parse_expr;
use crate::sqlfrag::volatility::{Volatility, volatile_calls};

declare_rule! {
    /// ## What it does
    /// Flags a column added to an existing table with a volatile default (`gen_random_uuid()`,
    /// `clock_timestamp()`, `random()`, `nextval(…)`, …).
    ///
    /// The calls are read from the parsed default: a built-in counts by its `pg_catalog`
    /// volatility, a function of the model by its `volatility:` (so a model function declared
    /// `volatile` counts, an `immutable` one does not, whatever its name); `now()` is stable and
    /// does not count.
    ///
    /// ## Why is this bad?
    /// Since PostgreSQL 11 a constant default is stored once in the catalog, but a volatile one must
    /// be computed per row: the whole table is rewritten under an ACCESS EXCLUSIVE lock.
    ///
    /// ## Example
    /// ```yaml
    /// columns:
    ///   public_id: { type: uuid, default: gen_random_uuid() }   # new on a big table
    /// ```
    ///
    /// Use instead: add the column nullable without a default, backfill it in batches, then set the
    /// default and NOT NULL in a later migration — or acknowledge the rewrite for a small table.
    pub VolatileDefaultOnExistingTable {
        code: "SC609", name: "volatile-default-on-existing-table",
        category: MigrationSafety, level: Warn, target: Changes,
    }
}

impl Rule for VolatileDefaultOnExistingTable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            if c.kind != ChangeKind::AddColumn || !c.on_existing_table {
                continue;
            }
            let Some(default) = c.subject.new_column().and_then(|col| col.default.as_ref()) else {
                continue;
            };
            if !volatile_default_calls(cx.new, &default.value).is_empty() {
                out.push(
                    cx.finding(&Self::META, c, format!("column `{}` is added with a volatile default: every row is rewritten under an exclusive lock", c.object))
                        .help("add it without the default, backfill in batches, then set the default; or acknowledge the change in `migrations.acknowledge`"),
                );
            }
        }
    }
}

/// The volatile functions the default `text` calls: built-ins by their `pg_catalog` volatility,
/// the model's own functions by their `volatility:`. The default was parsed by validation
/// already; one that does not parse calls nothing here.
fn volatile_default_calls(model: &Model, text: &str) -> Vec<String> {
    let Ok(expr) = parse_expr(text.trim()) else {
        return Vec::new();
    };
    let declared = |schema: Option<&str>, name: &str| {
        let schema = schema.unwrap_or(&model.default_schema);
        model
            .call_volatility(&QName::new(schema, name))
            .and_then(Volatility::parse)
    };
    volatile_calls(&expr, &declared)
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str =
        "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n";

    #[test]
    fn volatile_default_on_existing_table_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      public_id: { type: uuid, default: gen_random_uuid() }\n",
            "SC609"
        ));
    }

    /// An existing table, and functions of the model: one immutable whose name says `random`,
    /// one volatile whose name does not.
    const FUNCTIONS: &str = "version: 1\nfunctions:\n  pick_random:\n    returns: text\n    volatility: immutable\n    body: select 'abc'\n  next_code:\n    returns: text\n    volatility: volatile\n    body: select 'abc'\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n";

    fn with_column(column: &str) -> String {
        format!("{FUNCTIONS}      {column}\n")
    }

    #[test]
    fn immutable_model_function_named_random_is_not_volatile() {
        assert_changes_clean(
            FUNCTIONS,
            &with_column("code: { type: text, default: pick_random() }"),
            "SC609",
        );
    }

    #[test]
    fn volatile_model_function_fires() {
        let out = change_violations(
            FUNCTIONS,
            &with_column("code: { type: text, default: next_code() }"),
            "SC609",
        );
        assert!(
            out.contains("`public.a.code` is added with a volatile default"),
            "{out}"
        );
    }

    #[test]
    fn stable_now_is_not_volatile() {
        assert_changes_clean(
            FUNCTIONS,
            &with_column("at: { type: timestamptz, default: now() }"),
            "SC609",
        );
    }

    #[test]
    fn random_and_gen_random_uuid_fire() {
        for column in [
            "r: { type: float8, default: random() }",
            "u: { type: uuid, default: gen_random_uuid() }",
            "v: { type: text, default: \"md5(random()::text)\" }",
        ] {
            let out = change_violations(FUNCTIONS, &with_column(column), "SC609");
            assert!(out.contains("volatile default"), "{column}: {out}");
        }
    }

    #[test]
    fn a_name_in_a_string_is_no_call() {
        assert_changes_clean(
            FUNCTIONS,
            &with_column("t: { type: text, default: \"'random()'\" }"),
            "SC609",
        );
    }

    #[test]
    fn volatile_default_on_existing_table_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      created_at: { type: timestamptz, default: now() }\n",
            "SC609",
        );
    }
}
