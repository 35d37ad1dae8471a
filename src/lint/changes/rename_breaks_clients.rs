//! SC602 `rename-breaks-clients`.

use crate::declare_rule;
use crate::diff::ChangeKind;
use crate::lint::changes::ChangeContext;
use crate::lint::{Finding, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a table or column rename (declared with `renamed_from:`).
    ///
    /// ## Why is this bad?
    /// The data survives, but every client still using the old name (deployed application
    /// versions, views in other databases, BI dashboards, the Supabase client's generated types)
    /// breaks the moment the migration runs.
    ///
    /// ## Example
    /// ```yaml
    /// tables:
    ///   customers:
    ///     renamed_from: clients
    /// ```
    ///
    /// Use instead: deploy clients that read both names first, or keep a compatibility view for a
    /// release; then acknowledge the rename:
    /// ```yaml
    /// migrations:
    ///   acknowledge:
    ///     - { rule: rename-breaks-clients, object: public.customers, reason: "app v42 reads the new name" }
    /// ```
    pub RenameBreaksClients {
        code: "SC602", name: "rename-breaks-clients",
        category: MigrationSafety, level: Warn, target: Changes,
    }
}

impl Rule for RenameBreaksClients {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_changes(&self, cx: &ChangeContext<'_>, out: &mut Vec<Finding>) {
        for c in cx.changes {
            let what = match c.kind {
                ChangeKind::RenameTable => "table",
                ChangeKind::RenameColumn => "column",
                _ => continue,
            };
            out.push(
                cx.finding(&Self::META, c, format!("{what} `{}` is {}: clients using the old name break", c.object, c.detail))
                    .help("ship clients that use the new name first (or keep a compatibility view), then acknowledge the rename in `migrations.acknowledge`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::changes::test_utils::{assert_changes_clean, change_violations};

    const BEFORE: &str = "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      note: { type: text, nullable: true }\n";

    #[test]
    fn rename_breaks_clients_violation() {
        insta::assert_snapshot!(change_violations(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      body: { type: text, nullable: true, renamed_from: note }\n",
            "SC602"
        ));
    }

    #[test]
    fn rename_breaks_clients_ok() {
        assert_changes_clean(
            BEFORE,
            "version: 1\ntables:\n  a:\n    columns:\n      id: { type: bigint, primary_key: true }\n      note: { type: text, nullable: true }\n      more: { type: text, nullable: true }\n",
            "SC602",
        );
    }
}
