//! SC508 `fk-to-auth-unique-non-pk`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a foreign key to a table in the `auth` schema (such as `auth.users`) whose target
    /// columns are not that table's primary key but a column that is merely unique there
    /// (`auth.users.email`, `auth.users.phone`).
    ///
    /// ## Why is this bad?
    /// Supabase manages the `auth` schema and may drop or change those unique constraints in an
    /// upgrade; the foreign key then blocks the upgrade or stops meaning what it did. E-mail
    /// addresses and phone numbers also change, so the reference breaks when a user edits them.
    ///
    /// ## Example
    /// ```yaml
    ///       owner_email: { type: text, references: auth.users.email }
    /// ```
    ///
    /// Use instead: reference the primary key, `owner_id: { type: uuid, references: auth.users.id }`.
    pub FkToAuthUniqueNonPk {
        code: "SC508", name: "fk-to-auth-unique-non-pk",
        category: Security, level: Error, target: Model,
    }
}

impl Rule for FkToAuthUniqueNonPk {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.model.tables.values() {
            for fk in &t.foreign_keys {
                if fk.target.schema != "auth" {
                    continue;
                }
                let targets: Vec<&str> =
                    fk.target_columns.iter().map(|c| c.value.as_str()).collect();
                let pk: Vec<&str> = cx
                    .external
                    .primary_keys
                    .get(&fk.target)
                    .map(|p| p.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                if targets == pk {
                    continue;
                }
                let unique = cx.external.unique_columns.get(&fk.target);
                let Some(col) = targets
                    .iter()
                    .find(|c| unique.is_some_and(|u| u.iter().any(|x| x == *c)))
                else {
                    continue;
                };
                out.push(
                    Self::META
                        .finding(
                            Object::TablePart(t.name.clone(), fk.name.value.clone()),
                            format!(
                                "foreign key `{}` on `{}` references `{}.{col}`, a unique column that is not the primary key of a table Supabase manages",
                                fk.name.value,
                                cx.short(&t.name),
                                fk.target
                            ),
                        )
                        .at(fk.target_written.span, "not the primary key")
                        .help(format!(
                            "reference the primary key of `{}` instead",
                            fk.target
                        )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\npreset: supabase\ntables:\n  notes:\n    columns:\n      id: { type: bigint, primary_key: true }\n      COLUMN\n    indexes: [ { columns: [owner] } ]\n    revoke: { anon: [all], authenticated: [all] }\n    rls: true\n    lint: { allow: { rls-enabled-no-policy: \"server-only table\" } }\n";

    #[test]
    fn fk_to_auth_unique_non_pk_violation() {
        insta::assert_snapshot!(violations(
            &MODEL.replace(
                "COLUMN",
                "owner: { type: text, references: auth.users.email }"
            ),
            "SC508"
        ));
    }

    #[test]
    fn fk_to_auth_unique_non_pk_ok() {
        assert_clean(
            &MODEL.replace("COLUMN", "owner: { type: uuid, references: auth.users.id }"),
            "SC508",
        );
    }
}
