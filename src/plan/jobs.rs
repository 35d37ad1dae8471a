//! Scheduled jobs (pg_cron) in a migration: the statements that schedule, change, pause and
//! unschedule them.
//!
//! Input: the model's `jobs` (validated: pg_cron declared, commands parsed). Output: `Stmt::Cron`
//! calls, by job name. Invariants: jobs come after every other object of the first migration
//! (they run functions and read tables) and go first in its down migration; `cron.schedule` by
//! name is an upsert of schedule and command, so changing either is one call; `active: false`
//! is a separate `cron.alter_job` after the schedule.

use crate::ir::Model;
use crate::ir::job::Job;
use crate::sql::{CronCall, Stmt};

/// The statements that create one job.
pub fn schedule_job(job: &Job) -> Vec<Stmt<'static>> {
    let mut out = vec![Stmt::Cron(CronCall::Schedule {
        name: job.name.clone(),
        schedule: job.schedule.value.clone(),
        command: job.command.value.clone(),
    })];
    if !job.active {
        out.push(Stmt::Cron(CronCall::SetActive(job.name.clone(), false)));
    }
    out
}

/// Every job of the model, by name.
pub fn schedule(model: &Model) -> Vec<Stmt<'static>> {
    model.jobs.values().flat_map(schedule_job).collect()
}

/// Unschedule every job of the model, in reverse name order.
pub fn unschedule(model: &Model) -> Vec<Stmt<'static>> {
    model
        .jobs
        .keys()
        .rev()
        .map(|n| Stmt::Cron(CronCall::Unschedule(n.clone())))
        .collect()
}
