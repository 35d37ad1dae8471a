//! Scheduled jobs (`jobs:`): pg_cron entries the migration schedules in the model's database.
//!
//! Input: built by `load::job` (schedule checked there, command text kept verbatim, `call:`
//! turned into the command that calls the function). Output: read by validate (the command
//! parses as SQL statements, `call:` names a model function, `pg_cron` is declared), plan (one
//! `cron.schedule` per job, after every other object), verify, import and DATABASE.md.
//! Invariants: the schedule and command are the exact texts `cron.job` holds; spans stay out of
//! the snapshot; `active` is left out of it when true, so a job reads back the same. The
//! schedule grammar ([`check_schedule`]) lives here, beside the type, for load and import.

use serde::{Deserialize, Serialize};

use super::{QName, Sp};
use crate::source::Span;

/// One scheduled job, by its pg_cron job name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Job {
    /// The job name (`cron.job.jobname`), unique in the database.
    pub name: String,
    /// The schedule as written: five cron fields, `N seconds` or a `@daily`-style macro.
    pub schedule: Sp<String>,
    /// The SQL pg_cron runs (for `call:`, `SELECT f()`).
    pub command: Sp<String>,
    /// The model function the job calls (`call:`), for validation and lint; not part of the
    /// snapshot (the command says the same), so `call: f` and `command: "SELECT s.f()"` are one
    /// job to the diff.
    #[serde(skip)]
    pub call: Option<Sp<QName>>,
    /// Whether pg_cron runs it (`active: false` keeps the job but pauses it).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
    /// What it is for (DATABASE.md only: pg_cron has no comment to hold it, so it is not part
    /// of the snapshot and changing it needs no migration).
    #[serde(skip)]
    pub description: Option<String>,
    /// Where it was declared.
    #[serde(skip)]
    pub origin: Span,
}

fn yes() -> bool {
    true
}

// serde's skip_serializing_if passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_true(b: &bool) -> bool {
    *b
}

impl Job {
    /// Whether two definitions schedule the same thing (what `cron.schedule` would change):
    /// schedule and command, compared as written.
    pub fn same_schedule(&self, other: &Job) -> bool {
        self.schedule.value == other.schedule.value && self.command.value == other.command.value
    }
}

/// The fields of a cron schedule: name, lowest and highest value, names allowed.
const FIELDS: [(&str, u32, u32, &[&str]); 5] = [
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day of month", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ],
    ),
    (
        "day of week",
        0,
        7,
        &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    ),
];

const SCHEDULE_HELP: &str = "write five fields `minute hour day-of-month month day-of-week` (each `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a list of them; `$` for the last day of the month), `N seconds` with N from 1 to 59, or `@daily`-style macros (`@hourly`, `@weekly`, …), e.g. `0 3 * * *`";

/// The schedule macros pg_cron accepts (lowercase only).
const MACROS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
    "@reboot",
];

/// Check a schedule against pg_cron's grammar: five cron fields (numbers, ranges, steps,
/// lists, month and weekday names, `$` as the day of month), `N seconds`, or a macro.
pub fn check_schedule(text: &str) -> Result<(), (String, String)> {
    let err = |m: String| Err((m, SCHEDULE_HELP.to_string()));
    if text.starts_with('@') {
        return if MACROS.contains(&text.trim_end()) {
            Ok(())
        } else {
            err(format!(
                "`{text}` is not one of pg_cron's {}",
                MACROS.join(" ")
            ))
        };
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    if let [n, unit] = words.as_slice()
        && matches!(unit.to_ascii_lowercase().as_str(), "second" | "seconds")
    {
        return match n.parse::<u32>() {
            Ok(1..=59) => Ok(()),
            _ => err(format!(
                "`{n} {unit}`: the interval must be 1 to 59 seconds"
            )),
        };
    }
    if words.len() != 5 {
        return err(format!("expected 5 fields, found {}", words.len()));
    }
    for (word, (field, lo, hi, names)) in words.iter().zip(FIELDS) {
        if field == "day of month" && *word == "$" {
            continue;
        }
        for item in word.split(',') {
            if let Err(m) = check_item(item, lo, hi, names) {
                return err(format!("{field} `{word}`: {m}"));
            }
        }
    }
    Ok(())
}

fn check_item(item: &str, lo: u32, hi: u32, names: &[&str]) -> Result<(), String> {
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (item, None),
    };
    let value = |v: &str| -> Result<u32, String> {
        if let Ok(n) = v.parse::<u32>() {
            return if (lo..=hi).contains(&n) {
                Ok(n)
            } else {
                Err(format!("{n} is outside {lo}-{hi}"))
            };
        }
        let lower = v.to_ascii_lowercase();
        names
            .iter()
            .position(|n| *n == lower)
            .and_then(|i| u32::try_from(i).ok())
            .map(|i| i + lo)
            .ok_or_else(|| {
                if v.is_empty() {
                    "an empty value".to_string()
                } else {
                    format!("`{v}` is not a number from {lo} to {hi}")
                }
            })
    };
    let ranged = if range == "*" {
        true
    } else if let Some((a, b)) = range.split_once('-') {
        let (a, b) = (value(a)?, value(b)?);
        if a > b {
            return Err(format!("the range `{range}` runs backwards"));
        }
        true
    } else {
        value(range)?;
        false
    };
    if let Some(s) = step {
        if !ranged {
            return Err(format!("a step needs `*` or a range before it (`*/{s}`)"));
        }
        match s.parse::<u32>() {
            Ok(n) if n >= 1 && n <= hi => {}
            _ => return Err(format!("`{s}` is not a step from 1 to {hi}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_schedule;

    #[test]
    fn schedules_pg_cron_accepts() {
        for s in [
            "0 3 * * *",
            "*/5 * * * *",
            "0 0-23/2 * * mon-fri",
            "30 4 1,15 * SUN",
            "0 12 $ * *",
            "10 seconds",
            "0 0 1 jan,jul 0-7",
            "@daily",
            "@reboot",
        ] {
            assert_eq!(check_schedule(s), Ok(()), "{s}");
        }
    }

    #[test]
    fn schedules_pg_cron_rejects() {
        let msg = |s: &str| check_schedule(s).err().map(|e| e.0);
        assert_eq!(
            msg("0 3 * *").as_deref(),
            Some("expected 5 fields, found 4")
        );
        assert_eq!(
            msg("60 * * * *").as_deref(),
            Some("minute `60`: 60 is outside 0-59")
        );
        assert_eq!(
            msg("0 5-1 * * *").as_deref(),
            Some("hour `5-1`: the range `5-1` runs backwards")
        );
        assert_eq!(
            msg("5/10 * * * *").as_deref(),
            Some("minute `5/10`: a step needs `*` or a range before it (`*/10`)")
        );
        assert_eq!(
            msg("0 0 * foo *").as_deref(),
            Some("month `foo`: `foo` is not a number from 1 to 12")
        );
        assert_eq!(
            msg("90 seconds").as_deref(),
            Some("`90 seconds`: the interval must be 1 to 59 seconds")
        );
        assert_eq!(
            msg("@DAILY").as_deref(),
            Some(
                "`@DAILY` is not one of pg_cron's @yearly @annually @monthly @weekly @daily @midnight @hourly @reboot"
            )
        );
        assert_eq!(
            msg("0 0 1,,2 * *").as_deref(),
            Some("day of month `1,,2`: an empty value")
        );
    }
}
