//! `plpgsql_check` over the model's PL/pgSQL functions.
//!
//! Input: a client on a database where the migrations are applied and the `plpgsql_check`
//! extension is installed, and the model. Output: one `E506` diagnostic per finding, at the
//! function's body (errors as errors, warnings and performance notes as warnings).
//! Invariants: only reads (`plpgsql_check_function_tb` runs the checker; it executes nothing of the
//! function); trigger functions are checked against the first table that fires them, and skipped
//! when no table does.

use postgres::GenericClient;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Severity};
use crate::ir::Model;

const CHECK_SQL: &str = "
select coalesce(lineno, 0), coalesce(level, 'error'), coalesce(message, ''),
       coalesce(hint, ''), coalesce(sqlstate, '')
from {SCHEMA}.plpgsql_check_function_tb(
  $1::text::regprocedure,
  case when $2 = '' then 0::oid::regclass else to_regclass($2) end)";

/// The schema the extension is installed in, if it is installed in the connected database.
pub fn installed(client: &mut impl GenericClient) -> Result<Option<String>, postgres::Error> {
    let rows = client.query(
        "select n.nspname::text from pg_extension e join pg_namespace n on n.oid = e.extnamespace \
         where e.extname = 'plpgsql_check'",
        &[],
    )?;
    match rows.first() {
        Some(r) => Ok(Some(r.try_get(0)?)),
        None => Ok(None),
    }
}

/// Whether the server has the extension's files (so `CREATE EXTENSION` would work).
pub fn available(client: &mut impl GenericClient) -> Result<bool, postgres::Error> {
    let row = client.query_one(
        "select exists (select 1 from pg_available_extensions where name = 'plpgsql_check')",
        &[],
    )?;
    row.try_get(0)
}

/// Check every PL/pgSQL function of the model with the extension installed in `schema`; returns
/// how many were checked.
pub fn check(
    client: &mut impl GenericClient,
    schema: &str,
    model: &Model,
    d: &mut Diagnostics,
) -> Result<usize, postgres::Error> {
    let sql = CHECK_SQL.replace("{SCHEMA}", &crate::sql::ident::quote_ident(schema));
    let mut checked = 0;
    for (key, f) in &model.functions {
        let name = &key.name;
        if !f.language.eq_ignore_ascii_case("plpgsql") {
            continue;
        }
        let mut relid = String::new();
        if f.returns.value.trim().eq_ignore_ascii_case("trigger") {
            let fires = model
                .tables
                .values()
                .flat_map(|t| t.triggers.values().map(|tr| &**tr))
                .chain(model.external_triggers.iter())
                .find(|t| t.function == *name);
            match fires {
                Some(t) => relid = t.table.to_string(),
                None => continue,
            }
        }
        checked += 1;
        // The overload by its identity signature (types as the model wrote them).
        let signature = crate::sql::function_signature(f);
        for row in client.query(&sql, &[&signature, &relid])? {
            let line: i32 = row.try_get(0)?;
            let level: String = row.try_get(1)?;
            let message: String = row.try_get(2)?;
            let hint: String = row.try_get(3)?;
            let mut diag = Diagnostic::error(
                Code::FunctionBodyProblem,
                format!("plpgsql_check: function `{name}`, line {line} of the body: {message}"),
            )
            .at(f.body.span, format!("{level} on line {line}"))
            .help(if hint.is_empty() {
                "fix the function body".to_string()
            } else {
                hint
            });
            if level != "error" {
                diag.severity = Severity::Warning;
            }
            d.push(diag);
        }
    }
    Ok(checked)
}
