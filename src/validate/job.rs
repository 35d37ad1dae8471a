//! Scheduled jobs: the checks that need the whole model.
//!
//! Input: the model's `jobs` (schedules were checked by `load::job`). Output: diagnostics —
//! E333 when there are jobs but `pg_cron` is not among the extensions, E301 when a command is
//! not SQL statements, E334 when a `call:` names no function of the model or one that needs
//! arguments. Invariants: one diagnostic per problem, located at what was written; a command is
//! parsed once.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{ArgMode, Model};
use crate::load::yaml::fragment_span;
use crate::source::SourceMap;

/// Check every job.
pub(super) fn check(model: &Model, sources: &SourceMap, d: &mut Diagnostics) {
    if let Some(first) = model.jobs.values().next()
        && !model.extensions.contains_key("pg_cron")
    {
        d.push(
            Diagnostic::error(
                Code::JobWithoutPgCron,
                format!(
                    "the model schedules {} job(s) but does not declare the `pg_cron` extension",
                    model.jobs.len()
                ),
            )
            .at(first.origin, "a job needs pg_cron")
            .help("add `pg_cron` to `extensions:` (on plain PostgreSQL the server must also load it: `shared_preload_libraries = 'pg_cron'`, and `cron.database_name` must name this database)"),
        );
    }
    for job in model.jobs.values() {
        match &job.call {
            None => {
                if let Err(e) = crate::sqlfrag::parse_statements(&job.command.value) {
                    d.push(
                        Diagnostic::error(
                            Code::SqlSyntax,
                            format!("the command of job `{}` is not valid SQL: {}", job.name, e.message),
                        )
                        .at(fragment_span(sources, &job.command, e.at), "here")
                        .help("write one or more SQL statements as PostgreSQL would accept them, separated by `;`"),
                    );
                }
            }
            Some(call) => match model
                .function(&call.value, &[])
                .or_else(|| model.functions_named(&call.value).next())
            {
                None => d.push(
                    Diagnostic::error(
                        Code::InvalidJobCommand,
                        format!(
                            "job `{}` calls `{}`, which is not a function of the model",
                            job.name, call.value
                        ),
                    )
                    .at(call.span, "no such function")
                    .help(
                        "declare the function under `functions:`, or write the SQL with `command:`",
                    ),
                ),
                Some(f) => {
                    let needs_args = f.args.iter().any(|a| {
                        a.default.is_none()
                            && matches!(a.mode, ArgMode::In | ArgMode::Inout | ArgMode::Variadic)
                    });
                    if needs_args || f.returns.value.eq_ignore_ascii_case("trigger") {
                        d.push(
                            Diagnostic::error(
                                Code::InvalidJobCommand,
                                format!("job `{}` calls `{}`, which cannot be called as `{}()`", job.name, call.value, call.value),
                            )
                            .at(call.span, if needs_args { "this function takes arguments" } else { "a trigger function" })
                            .also(f.origin, "declared here")
                            .help("`call:` runs the function without arguments; write `command: \"select f(…)\"` to pass some"),
                        );
                    }
                }
            },
        }
    }
}
