//! Verify scheduled jobs: the model's `jobs` against pg_cron's `cron.job` rows of the database.
//!
//! Input: the model and a catalog read with its jobs (`introspect::Catalog::jobs`, the rows
//! whose `database` is the one read). Output: E501 (a job of the model the database lacks), E502
//! (a job the database runs that the model does not declare), E503 (schedule, command or
//! `active` differ). Invariants: jobs are matched by name; the schedule and command are compared
//! as stored (pg_cron keeps the texts it was given; the command's ends are trimmed on both
//! sides); linear in the jobs.

use std::collections::BTreeMap;

use super::Cx;
use crate::introspect::{Catalog, JobInfo};

/// Compare the model's jobs with the catalog's, both directions.
pub fn compare(cx: &mut Cx<'_>, catalog: &Catalog) {
    let model = cx.model;
    let db: BTreeMap<&str, &JobInfo> = catalog.jobs.iter().map(|j| (j.name.as_str(), j)).collect();
    for (name, job) in &model.jobs {
        let Some(row) = db.get(name.as_str()) else {
            cx.missing(
                format!("scheduled job `{name}`"),
                job.origin,
                "apply the migrations (pg_cron must be installed in this database)",
            );
            continue;
        };
        if row.schedule != job.schedule.value {
            cx.differs(
                format!("the schedule of job `{name}`"),
                job.schedule.span,
                &format!("`{}`", job.schedule.value),
                &format!("`{}`", row.schedule),
            );
        }
        if row.command.trim() != job.command.value.trim() {
            cx.differs(
                format!("the command of job `{name}`"),
                job.command.span,
                &format!("{:?}", job.command.value),
                &format!("{:?}", row.command),
            );
        }
        if row.active != job.active {
            cx.differs(
                format!("whether job `{name}` is active"),
                job.origin,
                &format!("`active: {}`", job.active),
                &format!("`active: {}`", row.active),
            );
        }
    }
    for row in &catalog.jobs {
        if !model.jobs.contains_key(&row.name) {
            cx.extra(
                format!(
                    "scheduled job `{}` (`{}`, run as `{}`)",
                    row.name, row.schedule, row.username
                ),
                None,
            );
        }
    }
}
