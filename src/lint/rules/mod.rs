//! The rules, one file each (code, name, docs, check and tests), plus helpers they share.
//!
//! Input: a [`LintContext`]. Output: findings pushed by each rule. Invariants: helpers here
//! build per-table data once, so a rule that uses them stays linear in the model.

pub mod alias_rule_configured;
pub mod ambiguous_overloads;
pub mod auth_call_not_wrapped;
pub mod auth_users_exposed;
pub mod auto_expose_setting_missing;
pub mod bucket_without_policy;
pub mod citus_distribution_column_nullable;
pub mod citus_policy_fans_out;
pub mod client_default_execute_on_functions;
pub mod client_default_grant_on_tables;
pub mod constraint_index_naming;
pub mod discouraged_type;
pub mod domain_check_allows_null;
pub mod duplicate_foreign_key;
pub mod duplicate_index;
pub mod duplicate_name;
pub mod extension_in_public;
pub mod fk_missing_index;
pub mod fk_target_not_unique;
pub mod fk_to_auth_unique_non_pk;
pub mod fk_type_mismatch;
pub mod fk_unknown_target;
pub mod function_search_path_mutable;
pub mod granted_command_without_policy;
pub mod identifier_case;
pub mod identifier_too_long;
pub mod invalid_type_reference;
pub mod isolated_table;
pub mod job_every_minute_in_hour;
pub mod job_function_callable_by_clients;
pub mod materialized_view_exposed;
pub mod missing_description;
pub mod multiple_permissive_policies;
pub mod no_primary_key;
pub mod policy_always_true;
pub mod policy_clause_invalid_for_command;
pub mod policy_column_unindexed;
pub mod policy_correlated_subquery;
pub mod policy_function_not_executable;
pub mod policy_on_rls_disabled_table;
pub mod policy_unknown_column;
pub mod policy_uses_user_metadata;
pub mod policy_without_grant;
pub mod policy_without_roles;
pub mod prefer_bigint_keys;
pub mod prefer_identity_over_serial;
pub mod prefer_text_over_varchar;
pub mod realtime_without_replica_identity;
pub mod redundant_index;
pub mod required_columns;
pub mod reserved_identifier;
pub mod revoke_shadowed_by_public;
pub mod risky_client_grant;
pub mod rls_disabled;
pub mod rls_enabled_no_policy;
pub mod schema_usage_missing;
pub mod security_definer_executable_by_client;
pub mod security_definer_view;
pub mod security_definer_without_search_path;
pub mod service_role_without_grant;
pub mod set_null_clears_shared_column;
pub mod set_null_on_not_null_column;
pub mod table_missing_description;
pub mod timestamp_without_time_zone;
pub mod trigger_function_invalid;
pub mod unknown_column_reference;
pub mod unknown_rule;
pub mod unused_suppression;
pub mod updated_at_without_trigger;
pub mod write_policy_without_select_policy;

use crate::ir::{Index, Policy, PolicyCommand, SortOrder, Sp, Table};
use crate::source::Span;

#[allow(unused_imports)]
use super::LintContext;

/// The four commands a policy or a grant can be about.
pub const COMMANDS: [PolicyCommand; 4] = [
    PolicyCommand::Select,
    PolicyCommand::Insert,
    PolicyCommand::Update,
    PolicyCommand::Delete,
];

/// The privilege word of a command.
pub fn privilege(cmd: PolicyCommand) -> &'static str {
    match cmd {
        PolicyCommand::All => "all",
        PolicyCommand::Select => "select",
        PolicyCommand::Insert => "insert",
        PolicyCommand::Update => "update",
        PolicyCommand::Delete => "delete",
    }
}

/// Whether a policy is about `cmd` (`ALL` covers every command).
pub fn policy_covers(p: &Policy, cmd: PolicyCommand) -> bool {
    p.command == cmd || p.command == PolicyCommand::All
}

/// Whether a policy applies to `role` (a policy without `to` applies to PUBLIC, everyone).
pub fn policy_applies_to(p: &Policy, role: &str) -> bool {
    p.roles.is_empty()
        || p.roles
            .iter()
            .any(|r| r.value == role || r.value == "public")
}

/// The roles among `client_roles` a policy applies to.
pub fn policy_client_roles<'r>(p: &Policy, client_roles: &'r [String]) -> Vec<&'r str> {
    client_roles
        .iter()
        .filter(|r| policy_applies_to(p, r))
        .map(String::as_str)
        .collect()
}

/// Whether a policy applies to a client role or PUBLIC.
pub fn policy_for_clients(p: &Policy, client_roles: &[String]) -> bool {
    p.roles.is_empty()
        || p.roles
            .iter()
            .any(|r| r.value == "public" || client_roles.contains(&r.value))
}

/// One btree-like index key for comparisons: column (or expression text), opclass, collation,
/// order, nulls position.
pub type KeyPart = (String, bool, Option<String>, Option<String>, bool, bool);

/// An index of a table, including the ones PRIMARY KEY and UNIQUE constraints create.
#[derive(Debug, Clone)]
pub struct TableIndex<'t> {
    /// Index or constraint name.
    pub name: &'t str,
    /// Where it was declared.
    pub span: Span,
    /// Access method.
    pub method: &'t str,
    /// Unique.
    pub unique: bool,
    /// Whether it backs a constraint.
    pub constraint: bool,
    /// Keys.
    pub keys: Vec<KeyPart>,
    /// INCLUDE columns.
    pub include: Vec<&'t str>,
    /// Predicate, normalised by the parser when it parses.
    pub predicate: Option<String>,
    /// NULLS NOT DISTINCT.
    pub nulls_not_distinct: bool,
    /// The model index, when it is one.
    pub index: Option<&'t Index>,
}

fn column_key(c: &str) -> KeyPart {
    (c.to_string(), false, None, None, false, false)
}

/// Every index of a table: constraint-backed ones first (primary key, uniques), then the
/// declared indexes, in declaration order. `normalise` gives the text by which two SQL
/// expressions compare (the parsed tree's SQL, lower-cased). Rules read the result through
/// [`crate::lint::LintContext::table_indexes`], which builds it once per table.
pub fn table_indexes<'t>(
    t: &'t Table,
    normalise: &dyn Fn(&Sp<String>) -> String,
) -> Vec<TableIndex<'t>> {
    let mut out = Vec::new();
    if let Some(pk) = &t.primary_key {
        out.push(TableIndex {
            name: &pk.name,
            span: pk.origin,
            method: "btree",
            unique: true,
            constraint: true,
            keys: pk.columns.iter().map(|c| column_key(&c.value)).collect(),
            include: Vec::new(),
            predicate: None,
            nulls_not_distinct: false,
            index: None,
        });
    }
    for u in &t.uniques {
        out.push(TableIndex {
            name: &u.name.value,
            span: u.origin,
            method: "btree",
            unique: true,
            constraint: true,
            keys: u.columns.iter().map(|c| column_key(&c.value)).collect(),
            include: Vec::new(),
            predicate: None,
            nulls_not_distinct: !u.nulls_distinct,
            index: None,
        });
    }
    for ix in &t.indexes {
        out.push(TableIndex {
            name: &ix.name.value,
            span: ix.origin,
            method: &ix.method,
            unique: ix.unique,
            constraint: false,
            keys: ix
                .keys
                .iter()
                .map(|k| {
                    let desc = k.order == Some(SortOrder::Desc);
                    // NULLS LAST is the default for ASC, NULLS FIRST for DESC.
                    let nulls_first = match k.nulls {
                        Some(crate::ir::NullsOrder::First) => true,
                        Some(crate::ir::NullsOrder::Last) => false,
                        None => desc,
                    };
                    let target = if k.expression {
                        normalise(&k.target)
                    } else {
                        k.target.value.clone()
                    };
                    (
                        target,
                        k.expression,
                        k.opclass.as_ref().map(|o| o.to_lowercase()),
                        k.collate.clone(),
                        desc,
                        nulls_first,
                    )
                })
                .collect(),
            include: ix.include.iter().map(|c| c.value.as_str()).collect(),
            predicate: ix.predicate.as_ref().map(normalise),
            nulls_not_distinct: ix.nulls_not_distinct,
            index: Some(ix),
        });
    }
    out
}
