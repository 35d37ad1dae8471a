//! The `migrations:` section: safe-strategy switches, file layout and acknowledgements.
//!
//! Input: the section's node. Output: [`MigrationSettings`] on the model. Invariants: an
//! acknowledgement without a reason is an error (as an inline lint suppression is); rule names
//! are checked later by lint, which knows the rules.

use super::decode::{self, Fields};
use super::yaml::Node;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Acknowledgement, MigrationLayout, MigrationSettings};

pub(crate) const MIGRATIONS: &[&str] = &[
    "concurrent_indexes",
    "not_valid_constraints",
    "not_null_via_check",
    "layout",
    "acknowledge",
];
pub(crate) const ACKNOWLEDGE: &[&str] = &["rule", "object", "reason"];

/// Decode `migrations:` into `settings`.
pub fn decode(d: &mut Diagnostics, node: &Node, settings: &mut MigrationSettings) {
    let f = Fields::new(d, node, MIGRATIONS, "`migrations`");
    for (key, slot) in [
        ("concurrent_indexes", &mut settings.concurrent_indexes),
        ("not_valid_constraints", &mut settings.not_valid_constraints),
        ("not_null_via_check", &mut settings.not_null_via_check),
    ] {
        if let Some(b) = f
            .get(key)
            .and_then(|n| decode::boolean(d, n, &format!("`{key}`")))
        {
            *slot = b;
        }
    }
    if let Some(l) = f
        .get("layout")
        .and_then(|n| decode::choice(d, n, &["numbered", "supabase"], "migration layout"))
    {
        settings.layout = if l.value == "supabase" {
            MigrationLayout::Supabase
        } else {
            MigrationLayout::Numbered
        };
    }
    // The Supabase CLI runs each migration file in a transaction (its statements and its
    // history row in one batch), where `CREATE INDEX CONCURRENTLY` fails: in that layout indexes
    // on existing tables are built in the migration's transaction unless the model asks
    // otherwise (SC607 then asks for an acknowledgement, naming the lock).
    if settings.layout == MigrationLayout::Supabase && f.get("concurrent_indexes").is_none() {
        settings.concurrent_indexes = false;
    }
    if let Some(list) = f.get("acknowledge") {
        for item in decode::list(d, list, "`migrations.acknowledge`") {
            let af = Fields::new(d, item, ACKNOWLEDGE, "an acknowledgement");
            let rule = af
                .require(d, "rule", item.span)
                .and_then(|n| decode::text(d, n, "a rule code or name"));
            let object = af
                .require(d, "object", item.span)
                .and_then(|n| decode::text(d, n, "an object path"));
            let reason = af
                .get("reason")
                .and_then(|n| decode::text(d, n, "a reason"))
                .filter(|r| !r.value.trim().is_empty());
            af.finish(d);
            let Some(reason) = reason else {
                d.push(
                    Diagnostic::error(Code::MissingKey, "the acknowledgement has no reason")
                        .at(item.span, "an acknowledgement needs a reason")
                        .help("add `reason: \"…\"` saying why the change is safe to ship"),
                );
                continue;
            };
            if let (Some(rule), Some(object)) = (rule, object) {
                settings.acknowledge.push(Acknowledgement {
                    rule,
                    object,
                    reason,
                });
            }
        }
    }
    f.finish(d);
}
