//! Diff: the vocabulary and the comparisons of the change between the previous model (from the
//! committed snapshot) and the new one.
//!
//! Input: two resolved models. Output: [`Change`] records (what `schemac plan --format json`
//! prints and the SC6xx rules read) with the objects they concern ([`Subject`], a
//! [`ColumnDelta`] for an altered column), the declared renames ([`renames`]), the
//! comparisons that decide whether two definitions of an object are the same ([`compare`]) and
//! the snapshot's order of what already exists ([`in_existing_order`]). The SQL of a migration
//! is written by `plan::incremental`, which walks both models with these comparisons and records
//! a [`Change`] beside every group of statements. Invariants: no SQL is written here (this module
//! imports neither `plan` nor `sql`); renames come only from `renamed_from:`; change records
//! are in statement order.

pub mod change;
pub mod compare;
pub mod order;
pub mod renames;
pub mod type_renames;

pub use change::{Change, ChangeKind, ColumnDelta, ConstraintKind, Facts, Subject};
pub use compare::binary_coercible;
pub use order::in_existing_order;
pub use renames::Renames;

/// `text` as part of a file name: lower-case ASCII letters and digits, every run of other
/// characters one `_`, none at the ends (`Add title!` → `add_title`).
pub fn file_name_part(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// A short file-name slug for the changes: the first change, and how many more.
pub fn slug(changes: &[Change]) -> String {
    let Some(first) = changes.first() else {
        return "no_changes".to_string();
    };
    let kind = serde_json::to_value(first.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let object = first
        .object
        .strip_prefix("public.")
        .unwrap_or(&first.object);
    let mut s = file_name_part(&format!("{kind}_{object}"));
    if s.len() > 48 {
        s.truncate(48);
        s = s.trim_end_matches('_').to_string();
    }
    let others = changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Comment || first.kind == ChangeKind::Comment)
        .count()
        .saturating_sub(1);
    if others > 0 {
        s.push_str(&format!("_and_{others}_more"));
    }
    s
}
