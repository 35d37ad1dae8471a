//! `jobs:` → [`Job`]s: pg_cron jobs by name.
//!
//! Input: the `jobs:` mapping of one file (name → `{ schedule, command | call, active,
//! description }`). Output: jobs added to the model's map. Invariants: the schedule is checked
//! here against pg_cron's grammar (E217, located at the schedule); exactly one of `command` and
//! `call` is given; `call:` becomes the command `SELECT schema.function()` with both names
//! quoted; a job declared twice (even across files) is reported with both spans.

use std::collections::BTreeMap;

use super::decode::{self, Fields};
use super::yaml::Node;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::job::{Job, check_schedule};
use crate::ir::name::split_qualified;
use crate::ir::{QName, Sp};
use crate::source::Span;
use crate::sql::ident::quote_ident;

/// The keys of a job.
pub(crate) const JOB: &[&str] = &["schedule", "command", "call", "active", "description"];

/// Decode one file's `jobs:` into `jobs`.
pub fn decode(
    d: &mut Diagnostics,
    node: &Node,
    default_schema: &str,
    jobs: &mut BTreeMap<String, Job>,
) {
    for (k, v) in decode::entries(d, node, "`jobs`") {
        let Some(job) = job(d, k.span, &k.name, v, default_schema) else {
            continue;
        };
        if let Some(first) = jobs.get(&k.name) {
            d.push(
                Diagnostic::error(
                    Code::DuplicateObject,
                    format!("job `{}` is declared twice", k.name),
                )
                .at(k.span, "declared again here")
                .also(first.origin, "first declared here")
                .help("rename or remove one of the two jobs"),
            );
            continue;
        }
        jobs.insert(k.name.clone(), job);
    }
}

fn job(
    d: &mut Diagnostics,
    span: Span,
    name: &str,
    node: &Node,
    default_schema: &str,
) -> Option<Job> {
    let what = format!("job `{name}`");
    if name.trim().is_empty() || name.chars().any(char::is_control) || name.len() > 63 {
        d.push(
            Diagnostic::error(
                Code::InvalidName,
                format!("`{}` is not a usable job name", name.escape_debug()),
            )
            .at(span, "job name")
            .help("a job name is 1 to 63 bytes of printable text (pg_cron keeps it as a `name`)"),
        );
        return None;
    }
    let f = Fields::new(d, node, JOB, what.clone());
    let schedule = f
        .require(d, "schedule", span)
        .and_then(|n| decode::text(d, n, "a schedule"));
    if let Some(s) = &schedule
        && let Err((message, help)) = check_schedule(&s.value)
    {
        d.push(
            Diagnostic::error(
                Code::InvalidJobSchedule,
                format!("job `{name}` has an invalid schedule: {message}"),
            )
            .at(s.span, message)
            .help(help),
        );
    }
    let command = f
        .get("command")
        .and_then(|n| decode::text(d, n, "a SQL command"));
    let call = f.get("call").and_then(|n| {
        let t = decode::name(d, n, "a function name")?;
        let parts = split_qualified(&t.value);
        let q = match parts.as_deref() {
            Some([f]) => QName::new(default_schema.to_string(), f.clone()),
            Some([s, f]) => QName::new(s.clone(), f.clone()),
            _ => {
                d.push(
                    Diagnostic::error(Code::InvalidName, format!("`{}` is not a function name", t.value))
                        .at(t.span, "expected `name` or `schema.name`")
                        .help("write the function as `name` or `schema.name`, without parentheses or arguments"),
                );
                return None;
            }
        };
        Some(Sp::new(q, t.span))
    });
    let active = f
        .get("active")
        .and_then(|n| decode::boolean(d, n, "`active`"))
        .unwrap_or(true);
    let description = f
        .get("description")
        .and_then(|n| decode::text(d, n, "a description"))
        .map(|t| t.value.trim_end().to_string());
    let command = match (command, &call, f.key("command"), f.key("call")) {
        (Some(c), None, _, _) => Some(Sp::new(c.value.trim().to_string(), c.span)),
        (None, Some(q), _, _) => Some(Sp::new(
            format!(
                "SELECT {}.{}()",
                quote_ident(&q.value.schema),
                quote_ident(&q.value.name)
            ),
            q.span,
        )),
        (Some(_), Some(_), Some(kc), Some(kf)) => {
            d.push(
                Diagnostic::error(
                    Code::ConflictingOptions,
                    format!("{what} has both `command` and `call`"),
                )
                .at(kc.span, "a command here")
                .also(kf.span, "and a function to call here")
                .help("keep `call:` for a function without arguments, or `command:` for any SQL"),
            );
            None
        }
        (None, None, None, None) => {
            d.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("{what} has no `command` or `call`"),
                )
                .at(span, "what should it run?")
                .help("add `command: \"select …\"` (SQL) or `call: schema.function`"),
            );
            None
        }
        _ => None,
    };
    f.finish(d);
    Some(Job {
        name: name.to_string(),
        schedule: schedule?,
        command: command?,
        call,
        active,
        description,
        origin: span,
    })
}
