//! SC516 `job-every-minute-in-hour`.

use crate::declare_rule;
use crate::lint::{Finding, LintContext, Object, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a job schedule whose minute field is `*` (or `*/1`) while its hour field is not:
    /// `* 3 * * *` runs every minute from 03:00 to 03:59, sixty times, not once at 03:00.
    ///
    /// ## Why is this bad?
    /// It is the classic cron slip for "every day at 3": the job runs sixty times in a row, each
    /// run (a purge, a refresh, an e-mail digest) repeating the work of the one before or
    /// running over it.
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   nightly_purge: { schedule: "* 3 * * *", call: purge_sessions }
    /// ```
    ///
    /// Use instead: name the minute, `schedule: "0 3 * * *"`. To really run every minute of an
    /// hour, write the minutes out (`0-59 3 * * *`), which this rule leaves alone.
    pub JobEveryMinuteInHour {
        code: "SC516", name: "job-every-minute-in-hour",
        category: Performance, level: Warn, target: Model,
    }
}

impl Rule for JobEveryMinuteInHour {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for job in cx.model.jobs.values() {
            let fields: Vec<&str> = job.schedule.value.split_whitespace().collect();
            let [minute, hour, _, _, _] = fields.as_slice() else {
                continue;
            };
            if !matches!(*minute, "*" | "*/1") || matches!(*hour, "*" | "*/1") {
                continue;
            }
            out.push(
                Self::META
                    .finding(
                        Object::Key(format!("job:{}", job.name)),
                        format!(
                            "job `{}` runs every minute of hour `{hour}` (`{}`), not once",
                            job.name, job.schedule.value
                        ),
                    )
                    .at(job.schedule.span, "minute `*` with a fixed hour")
                    .help(format!(
                        "to run once, name the minute: `0 {}`",
                        fields.get(1..).map(|f| f.join(" ")).unwrap_or_default()
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::test_utils::{assert_clean, violations};

    const MODEL: &str = "version: 1\nextensions: [pg_cron]\njobs:\n  nightly: { schedule: \"SCHEDULE\", command: \"select 1\" }\n";

    #[test]
    fn job_every_minute_in_hour_violation() {
        insta::assert_snapshot!(violations(&MODEL.replace("SCHEDULE", "* 3 * * *"), "SC516"));
    }

    #[test]
    fn job_every_minute_in_hour_ok() {
        for s in [
            "0 3 * * *",
            "* * * * *",
            "0-59 3 * * *",
            "*/5 3 * * *",
            "@daily",
            "30 seconds",
        ] {
            assert_clean(&MODEL.replace("SCHEDULE", s), "SC516");
        }
    }
}
