//! Trigger functions that extensions install (`moddatetime`, `insert_username`, …): a trigger may
//! call one when the model declares its extension; the function is then the extension's, in the
//! schema the extension is installed into.
//!
//! Input: a trigger's written function name and the model's extensions. Output: the resolved
//! name, or `E343` when the extension is not declared (and `E344` when a function whose argument
//! count is fixed gets another count). Invariants: only the functions of the
//! table below are known; any other name is resolved as a model function.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::name::split_qualified;
use crate::ir::{Model, QName, Trigger};

/// (function, the extension that installs it); contrib modules that ship trigger functions.
pub const EXTENSION_TRIGGER_FUNCTIONS: &[(&str, &str)] = &[
    ("autoinc", "autoinc"),
    ("check_foreign_key", "refint"),
    ("check_primary_key", "refint"),
    ("insert_username", "insert_username"),
    ("lo_manage", "lo"),
    ("moddatetime", "moddatetime"),
    ("triggered_change_notification", "tcn"),
];

/// (function, arguments it takes, as words): the functions whose argument count is fixed; each
/// refuses any other count when the trigger fires (`moddatetime`: "A single argument was
/// expected"), which E344 reports at build time instead.
const FIXED_ARGUMENTS: &[(&str, usize, &str)] = &[
    ("insert_username", 1, "the column to fill"),
    ("lo_manage", 1, "the large-object column"),
    ("moddatetime", 1, "the timestamp column to set"),
];

/// The extension that installs trigger function `name`, if it is one of the table's.
pub fn extension_of(name: &str) -> Option<&'static str> {
    EXTENSION_TRIGGER_FUNCTIONS
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, e)| *e)
}

/// The extension function a trigger calls: `Some(Some(q))` when its extension is declared (and
/// installed into the schema written, if one is), `Some(None)` after reporting E343, `None` when
/// the name is not an extension's trigger function.
pub(super) fn resolve(model: &Model, tr: &Trigger, d: &mut Diagnostics) -> Option<Option<QName>> {
    let written = &tr.function_written;
    let parts = split_qualified(&written.value)?;
    let (schema, name) = match parts.as_slice() {
        [s, n] => (Some(s.as_str()), n.as_str()),
        [n] => (None, n.as_str()),
        _ => return None,
    };
    let ext_name = extension_of(name)?;
    let Some(ext) = model.extensions.get(ext_name) else {
        d.push(
            Diagnostic::error(
                Code::ExtensionNotDeclared,
                format!(
                    "trigger `{}` calls `{name}`, which the `{ext_name}` extension provides, and the model does not declare it",
                    tr.name
                ),
            )
            .at(written.span, "an extension's trigger function")
            .help(format!(
                "add `{ext_name}` under `extensions:` (PostgreSQL ships it in contrib)"
            )),
        );
        return Some(None);
    };
    if let Some((_, n, what)) = FIXED_ARGUMENTS.iter().find(|(f, _, _)| *f == name)
        && tr.args.len() != *n
    {
        d.push(
            Diagnostic::error(
                Code::ExtensionTriggerArguments,
                format!(
                    "trigger `{}` passes {} argument{} to `{name}`, which takes {n}",
                    tr.name,
                    tr.args.len(),
                    if tr.args.len() == 1 { "" } else { "s" }
                ),
            )
            .at(tr.origin, format!("`{name}` needs {what}"))
            .help(format!("give it exactly {what} in `args:`")),
        );
    }
    let installed = model.extension_schema(ext);
    match schema {
        Some(s) if s != installed => {
            d.push(
                Diagnostic::error(
                    Code::UnknownFunction,
                    format!(
                        "trigger `{}` calls `{s}.{name}`, but the `{ext_name}` extension is installed into schema `{installed}`",
                        tr.name
                    ),
                )
                .at(written.span, "not where the extension puts it")
                .help(format!("write `function: {installed}.{name}` or just `function: {name}`")),
            );
            Some(None)
        }
        _ => Some(Some(QName::new(installed, name))),
    }
}
