//! SC703 `reserved-identifier`.

use super::identifier_case::declared_names;
use crate::declare_rule;
use crate::lint::{Finding, LintContext, Rule, RuleMeta};
use crate::sql::ident::{COL_NAME, RESERVED, TYPE_FUNC_NAME};

declare_rule! {
    /// ## What it does
    /// Flags an identifier that PostgreSQL's grammar reserves, so that it must be double-quoted
    /// where the name is used (`user`, `order`, `group`, `table`, `end`, `left`, …), and a schema
    /// whose name starts with `pg_`. It checks the names `identifier-case` (SC702) checks. The
    /// keyword lists are PostgreSQL's own (`kwlist.h`): for tables, views, columns, schemas,
    /// indexes and constraints the *reserved* and *type/function name* keywords; for functions
    /// and enum types the *reserved* and *column name* keywords (`int`, `between`, …).
    ///
    /// ## Why is this bad?
    /// An unquoted reserved word is a syntax error (`select user from orders` returns the
    /// current role, `select order from …` does not parse), so every hand-written query, policy
    /// and view must remember the quotes. `pg_` schema names are reserved for the system and
    /// `CREATE SCHEMA pg_…` fails.
    ///
    /// ## Example
    /// ```yaml
    ///   order:
    ///     columns:
    ///       user: uuid
    /// ```
    ///
    /// Use instead: `orders` with a column `user_id`.
    pub ReservedIdentifier {
        code: "SC703", name: "reserved-identifier",
        category: Naming, level: Warn, target: Model,
    }
}

impl Rule for ReservedIdentifier {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for n in declared_names(cx) {
            let (message, help) = if n.kind == "schema" && n.name.starts_with("pg_") {
                (
                    format!(
                        "schema name `{}` starts with `pg_`, which PostgreSQL reserves for system schemas",
                        n.name
                    ),
                    "choose a schema name that does not start with `pg_`".to_string(),
                )
            } else {
                let also = if n.function_or_type {
                    COL_NAME
                } else {
                    TYPE_FUNC_NAME
                };
                if !RESERVED.contains(&n.name) && !also.contains(&n.name) {
                    continue;
                }
                (
                    format!(
                        "{} name `{}` is a reserved SQL keyword, so SQL must double-quote it everywhere",
                        n.kind, n.name
                    ),
                    format!(
                        "rename it to a name that is not a keyword, such as `{0}s` or `{0}_id`",
                        n.name
                    ),
                )
            };
            out.push(
                Self::META
                    .finding(n.object, message)
                    .discriminator(format!("{}:{}", n.kind, n.name))
                    .at(n.span, "reserved")
                    .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\ntables:\n  TABLE:\n    columns:\n      id: { type: bigint, primary_key: true }\n      COLUMN: uuid\n";

    #[test]
    fn reserved_identifier_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace("TABLE", "order").replace("COLUMN", "user"),
            "SC703"
        ));
    }

    #[test]
    fn reserved_schema_violation() {
        insta::assert_snapshot!(violations("version: 1\nschemas:\n  pg_app: {}\n", "SC703"));
    }

    #[test]
    fn reserved_identifier_ok() {
        // `position` and `json` are column-name keywords: fine for a table and a column.
        assert_clean(
            &MODEL.replace("TABLE", "position").replace("COLUMN", "json"),
            "SC703",
        );
    }
}
