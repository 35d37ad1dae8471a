//! Every rule, one line each. Adding a rule means creating its file in `rules/` and adding a line
//! here.
//!
//! Input: nothing; this is a table. Output: [`ALL_RULES`] in code order, and lookups by code or
//! name. Invariants: codes are `SC` + 3 digits, unique and permanent (never renumbered or reused);
//! names are kebab-case and unique (the registry tests check both).

use super::Rule;
use super::rules::*;

/// Every rule, in code order.
pub static ALL_RULES: &[&dyn Rule] = &[
    &unused_suppression::UnusedSuppression,
    &unknown_rule::UnknownRule,
    &alias_rule_configured::AliasRuleConfigured,
    &no_primary_key::NoPrimaryKey,
    &fk_unknown_target::FkUnknownTarget,
    &fk_type_mismatch::FkTypeMismatch,
    &fk_target_not_unique::FkTargetNotUnique,
    &duplicate_foreign_key::DuplicateForeignKey,
    &unknown_column_reference::UnknownColumnReference,
    &duplicate_name::DuplicateName,
    &invalid_type_reference::InvalidTypeReference,
    &set_null_on_not_null_column::SetNullOnNotNullColumn,
    &trigger_function_invalid::TriggerFunctionInvalid,
    &set_null_clears_shared_column::SetNullClearsSharedColumn,
    &timestamp_without_time_zone::TimestampWithoutTimeZone,
    &prefer_text_over_varchar::PreferTextOverVarchar,
    &discouraged_type::DiscouragedType,
    &prefer_identity_over_serial::PreferIdentityOverSerial,
    &prefer_bigint_keys::PreferBigintKeys,
    &updated_at_without_trigger::UpdatedAtWithoutTrigger,
    &required_columns::RequiredColumns,
    &domain_check_allows_null::DomainCheckAllowsNull,
    &realtime_without_replica_identity::RealtimeWithoutReplicaIdentity,
    &bucket_without_policy::BucketWithoutPolicy,
    &fk_missing_index::FkMissingIndex,
    &duplicate_index::DuplicateIndex,
    &redundant_index::RedundantIndex,
    &policy_column_unindexed::PolicyColumnUnindexed,
    &rls_disabled::RlsDisabled,
    &rls_enabled_no_policy::RlsEnabledNoPolicy,
    &policy_on_rls_disabled_table::PolicyOnRlsDisabledTable,
    &granted_command_without_policy::GrantedCommandWithoutPolicy,
    &policy_without_grant::PolicyWithoutGrant,
    &policy_unknown_column::PolicyUnknownColumn,
    &policy_clause_invalid_for_command::PolicyClauseInvalidForCommand,
    &write_policy_without_select_policy::WritePolicyWithoutSelectPolicy,
    &policy_without_roles::PolicyWithoutRoles,
    &auth_call_not_wrapped::AuthCallNotWrapped,
    &multiple_permissive_policies::MultiplePermissivePolicies,
    &policy_always_true::PolicyAlwaysTrue,
    &policy_uses_user_metadata::PolicyUsesUserMetadata,
    &policy_correlated_subquery::PolicyCorrelatedSubquery,
    &auto_expose_setting_missing::AutoExposeSettingMissing,
    &policy_function_not_executable::PolicyFunctionNotExecutable,
    &service_role_without_grant::ServiceRoleWithoutGrant,
    &security_definer_without_search_path::SecurityDefinerWithoutSearchPath,
    &function_search_path_mutable::FunctionSearchPathMutable,
    &security_definer_executable_by_client::SecurityDefinerExecutableByClient,
    &security_definer_view::SecurityDefinerView,
    &materialized_view_exposed::MaterializedViewExposed,
    &auth_users_exposed::AuthUsersExposed,
    &extension_in_public::ExtensionInPublic,
    &fk_to_auth_unique_non_pk::FkToAuthUniqueNonPk,
    &risky_client_grant::RiskyClientGrant,
    &schema_usage_missing::SchemaUsageMissing,
    &revoke_shadowed_by_public::RevokeShadowedByPublic,
    &client_default_grant_on_tables::ClientDefaultGrantOnTables,
    &client_default_execute_on_functions::ClientDefaultExecuteOnFunctions,
    &job_function_callable_by_clients::JobFunctionCallableByClients,
    &job_every_minute_in_hour::JobEveryMinuteInHour,
    &ambiguous_overloads::AmbiguousOverloads,
    &super::changes::destructive_drop::DestructiveDrop,
    &super::changes::rename_breaks_clients::RenameBreaksClients,
    &super::changes::column_type_change::ColumnTypeChange,
    &super::changes::add_required_column::AddRequiredColumn,
    &super::changes::set_not_null_on_existing_column::SetNotNullOnExistingColumn,
    &super::changes::constraint_without_not_valid::ConstraintWithoutNotValid,
    &super::changes::index_not_concurrent::IndexNotConcurrent,
    &super::changes::unique_or_pk_on_existing_table::UniqueOrPkOnExistingTable,
    &super::changes::volatile_default_on_existing_table::VolatileDefaultOnExistingTable,
    &super::changes::enum_value_change::EnumValueChange,
    &super::changes::access_weakened::AccessWeakened,
    &super::changes::access_widened::AccessWidened,
    &identifier_too_long::IdentifierTooLong,
    &identifier_case::IdentifierCase,
    &reserved_identifier::ReservedIdentifier,
    &constraint_index_naming::ConstraintIndexNaming,
    &table_missing_description::TableMissingDescription,
    &missing_description::MissingDescription,
    &isolated_table::IsolatedTable,
    &citus_policy_fans_out::CitusPolicyFansOut,
    &citus_distribution_column_nullable::CitusDistributionColumnNullable,
];

/// The rule with this code (`SC301`, any case) or name (`fk-missing-index`).
pub fn find_rule(word: &str) -> Option<&'static dyn Rule> {
    let word = word.trim();
    ALL_RULES
        .iter()
        .copied()
        .find(|r| r.meta().code.eq_ignore_ascii_case(word) || r.meta().name == word)
}

/// The Markdown page of a rule (`docs/rules/<name>.md`, and `schemac rule` output).
pub fn markdown(m: &super::RuleMeta) -> String {
    let mut s = format!(
        "# {} `{}`\n\n<!-- Generated by `schemac rules --markdown docs/rules` from the rule's doc comment in src/lint/rules/. Do not edit. -->\n\n| code | name | default level | category | runs on |\n|---|---|---|---|---|\n| {} | `{}` | {} | {} | {} |\n\n",
        m.code,
        m.name,
        m.code,
        m.name,
        m.default_level.as_str(),
        m.category.as_str(),
        match (m.target, m.is_alias()) {
            (_, true) => format!("the compiler (alias of {})", alias_list(m)),
            (super::Target::Model, false) => "model".to_string(),
            (super::Target::Changes, false) => "changes".to_string(),
        }
    );
    s.push_str(m.docs().trim_end());
    if m.is_alias() {
        s.push_str(&format!(
            "\n\n## Configuration\n\nNone. This rule is an alias of the compiler error{} {}: a model with the problem does not compile, whatever `lint:` says. Naming the rule in `lint.rules` or in `lint: {{ allow: … }}` changes nothing and is reported as [`SC018` `alias-rule-configured`](alias-rule-configured.md).\n",
            if m.alias_of.len() == 1 { "" } else { "s" },
            alias_list(m)
        ));
        return s;
    }
    s.push_str("\n\n## Configuration\n\nSet the level in `schema.yaml` (`off`, `info`, `warn`, `error`), by code or name:\n\n");
    s.push_str(&format!(
        "```yaml\nlint:\n  rules: {{ {}: warn }}\n```\n\nor accept one finding on its object, with a reason:\n\n```yaml\n    lint: {{ allow: {{ {}: \"why this is fine here\" }} }}\n```\n",
        m.code, m.name
    ));
    s
}

/// The codes a rule is an alias of, linked to their docs: `[E202](../diagnostics.md#e202)`.
fn alias_list(m: &super::RuleMeta) -> String {
    m.alias_of
        .iter()
        .map(|c| format!("[`{c}`](../diagnostics.md#{})", c.to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The index page `docs/rules/README.md`.
pub fn markdown_index() -> String {
    let mut s = String::from(
        "# Lint rules\n\n<!-- Generated by `schemac rules --markdown docs/rules`. Do not edit. -->\n\n`schemac lint` runs these rules; `schemac rule <CODE|name>` prints one page. See\n[../lint.md](../lint.md) for configuration, suppressions and CI setup.\n\n| code | name | level | category | what it checks |\n|---|---|---|---|---|\n",
    );
    for r in ALL_RULES {
        let m = r.meta();
        s.push_str(&format!(
            "| {} | [`{}`]({}.md) | {} | {} | {} |\n",
            m.code,
            m.name,
            m.name,
            if m.is_alias() {
                format!("alias of {}", m.alias_of.join(", "))
            } else {
                m.default_level.as_str().to_string()
            },
            m.category.as_str(),
            m.summary().replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn codes_are_unique_permanent_and_sorted() {
        let codes: Vec<&str> = ALL_RULES.iter().map(|r| r.meta().code).collect();
        for c in &codes {
            assert_eq!(c.len(), 5, "{c}");
            assert!(c.starts_with("SC"), "{c}");
            assert!(c[2..].chars().all(|d| d.is_ascii_digit()), "{c}");
        }
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "codes must be unique and listed in order");
        // Codes are permanent: this list only ever grows. A rule that is retired keeps its line.
        let permanent = [
            ("SC001", "unused-suppression"),
            ("SC002", "unknown-rule"),
            ("SC018", "alias-rule-configured"),
            ("SC101", "no-primary-key"),
            ("SC102", "fk-unknown-target"),
            ("SC103", "fk-type-mismatch"),
            ("SC104", "fk-target-not-unique"),
            ("SC105", "duplicate-foreign-key"),
            ("SC106", "unknown-column-reference"),
            ("SC107", "duplicate-name"),
            ("SC108", "invalid-type-reference"),
            ("SC109", "set-null-on-not-null-column"),
            ("SC110", "trigger-function-invalid"),
            ("SC111", "set-null-clears-shared-column"),
            ("SC201", "timestamp-without-time-zone"),
            ("SC202", "prefer-text-over-varchar"),
            ("SC203", "discouraged-type"),
            ("SC204", "prefer-identity-over-serial"),
            ("SC205", "prefer-bigint-keys"),
            ("SC206", "updated-at-without-trigger"),
            ("SC207", "required-columns"),
            ("SC208", "domain-check-allows-null"),
            ("SC209", "realtime-without-replica-identity"),
            ("SC210", "bucket-without-policy"),
            ("SC301", "fk-missing-index"),
            ("SC302", "duplicate-index"),
            ("SC303", "redundant-index"),
            ("SC304", "policy-column-unindexed"),
            ("SC401", "rls-disabled"),
            ("SC402", "rls-enabled-no-policy"),
            ("SC403", "policy-on-rls-disabled-table"),
            ("SC404", "granted-command-without-policy"),
            ("SC405", "policy-without-grant"),
            ("SC406", "policy-unknown-column"),
            ("SC407", "policy-clause-invalid-for-command"),
            ("SC408", "write-policy-without-select-policy"),
            ("SC409", "policy-without-roles"),
            ("SC410", "auth-call-not-wrapped"),
            ("SC411", "multiple-permissive-policies"),
            ("SC412", "policy-always-true"),
            ("SC413", "policy-uses-user-metadata"),
            ("SC414", "policy-correlated-subquery"),
            ("SC501", "security-definer-without-search-path"),
            ("SC502", "function-search-path-mutable"),
            ("SC503", "security-definer-executable-by-client"),
            ("SC504", "security-definer-view"),
            ("SC505", "materialized-view-exposed"),
            ("SC506", "auth-users-exposed"),
            ("SC507", "extension-in-public"),
            ("SC508", "fk-to-auth-unique-non-pk"),
            ("SC509", "risky-client-grant"),
            ("SC510", "schema-usage-missing"),
            ("SC511", "revoke-shadowed-by-public"),
            ("SC515", "job-function-callable-by-clients"),
            ("SC516", "job-every-minute-in-hour"),
            ("SC701", "identifier-too-long"),
            ("SC702", "identifier-case"),
            ("SC703", "reserved-identifier"),
            ("SC704", "constraint-index-naming"),
            ("SC801", "table-missing-description"),
            ("SC802", "missing-description"),
            ("SC803", "isolated-table"),
        ];
        for (code, name) in permanent {
            let r = find_rule(code).unwrap_or_else(|| panic!("{code} was removed"));
            assert_eq!(r.meta().name, name, "{code} was renamed");
        }
    }

    #[test]
    fn names_are_kebab_case_and_unique() {
        let mut seen = BTreeSet::new();
        for r in ALL_RULES {
            let n = r.meta().name;
            assert!(
                !n.is_empty()
                    && !n.starts_with('-')
                    && !n.ends_with('-')
                    && !n.contains("--")
                    && n.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{n} is not kebab-case"
            );
            assert!(seen.insert(n), "{n} twice");
        }
    }

    #[test]
    fn lookups_work_both_ways() {
        for r in ALL_RULES {
            let m = r.meta();
            assert_eq!(find_rule(m.code).map(|x| x.meta().name), Some(m.name));
            assert_eq!(find_rule(m.name).map(|x| x.meta().code), Some(m.code));
            assert_eq!(
                find_rule(&m.code.to_lowercase()).map(|x| x.meta().code),
                Some(m.code)
            );
        }
        assert!(find_rule("SC999").is_none());
        assert!(find_rule("no-such-rule").is_none());
    }

    #[test]
    fn committed_rule_docs_are_fresh() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
        let mut expected: Vec<(String, String)> = ALL_RULES
            .iter()
            .map(|r| (format!("{}.md", r.meta().name), markdown(r.meta())))
            .collect();
        expected.push(("README.md".to_string(), markdown_index()));
        for (file, text) in &expected {
            let committed = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
            assert!(
                committed == *text,
                "docs/rules/{file} is stale: run `cargo run -- rules --markdown docs/rules`"
            );
        }
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        on_disk.sort();
        let mut want: Vec<String> = expected.into_iter().map(|(f, _)| f).collect();
        want.sort();
        assert_eq!(on_disk, want, "docs/rules/ has files no rule generates");
    }

    /// No rule without a check: a rule either reports findings itself (a `check` or
    /// `check_changes` that reads its context; the meta rules are reported by the engine) or is
    /// an alias of compiler errors that exist and are documented, and implements no check.
    #[test]
    fn every_rule_has_a_check_or_is_an_alias() {
        const ENGINE: [&str; 3] = ["SC001", "SC002", "SC018"];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let diagnostics_md =
            std::fs::read_to_string(root.join("docs/diagnostics.md")).unwrap_or_default();
        let mut sources = String::new();
        for dir in ["src/lint/rules", "src/lint/changes"] {
            let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                if text.contains("declare_rule! {") {
                    sources.push_str(&text);
                    sources.push('\u{0}');
                }
            }
        }
        let mut seen = 0;
        for r in ALL_RULES {
            let m = r.meta();
            let file = sources
                .split('\u{0}')
                .find(|t| t.contains(&format!("code: \"{}\"", m.code)))
                .unwrap_or_else(|| panic!("no source file declares {}", m.code));
            seen += 1;
            let checks = file.contains("fn check(&self, cx:")
                || file.contains("fn check_changes(&self, cx:");
            if m.is_alias() {
                assert!(
                    !file.contains("fn check"),
                    "{} is an alias and has a check",
                    m.code
                );
                assert_eq!(m.default_level, crate::lint::Level::Error, "{}", m.code);
                for c in m.alias_of {
                    assert!(
                        crate::diagnostics::Code::ALL
                            .iter()
                            .any(|x| x.as_str() == *c),
                        "{} is an alias of {c}, which is no compiler code",
                        m.code
                    );
                    assert!(
                        diagnostics_md.contains(&format!("### {c}\n")),
                        "{c} (aliased by {}) is not documented in docs/diagnostics.md",
                        m.code
                    );
                }
            } else if ENGINE.contains(&m.code) {
                assert!(!checks, "{} is reported by the engine", m.code);
            } else {
                assert!(
                    checks,
                    "{} has no check: implement it or make it an alias",
                    m.code
                );
            }
        }
        assert_eq!(seen, ALL_RULES.len());
    }

    #[test]
    fn docs_have_the_required_headings() {
        for r in ALL_RULES {
            let m = r.meta();
            let docs = m.docs();
            let mut at = 0;
            for h in ["## What it does", "## Why is this bad?", "## Example"] {
                let found = docs[at..]
                    .find(&format!("{h}\n"))
                    .unwrap_or_else(|| panic!("{} lacks `{h}` (in order)", m.code));
                at += found;
            }
            assert!(
                docs.contains("Use instead:"),
                "{} lacks `Use instead:`",
                m.code
            );
            assert!(!m.summary().is_empty(), "{}", m.code);
        }
    }
}
