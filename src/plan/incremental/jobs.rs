//! Scheduled jobs (pg_cron) between two models: schedule the new ones, unschedule the removed
//! ones, reschedule (an upsert by name) the ones whose schedule or command changed, pause or
//! resume the ones whose `active` changed.

use super::*;
use crate::plan::jobs::schedule_job;
use crate::sql::CronCall;

impl Differ<'_> {
    pub(super) fn jobs(&mut self) {
        let (old, new) = (self.old, self.new);
        for name in old.jobs.keys() {
            if !new.jobs.contains_key(name) {
                self.change(ChangeKind::UnscheduleJob, name.clone(), "", Span::default());
                self.emit(
                    Phase::UnscheduleJob,
                    format!("Unschedule job {name}"),
                    vec![Stmt::Cron(CronCall::Unschedule(name.clone()))],
                );
            }
        }
        for (name, job) in &new.jobs {
            let Some(before) = old.jobs.get(name) else {
                self.change(ChangeKind::ScheduleJob, name.clone(), "", job.origin);
                self.emit(
                    Phase::ScheduleJob,
                    format!("Schedule job {name}"),
                    schedule_job(job),
                );
                continue;
            };
            let mut stmts = Vec::new();
            if !before.same_schedule(job) {
                let detail = if before.schedule.value == job.schedule.value {
                    "command".to_string()
                } else {
                    format!(
                        "schedule `{}` → `{}`",
                        before.schedule.value, job.schedule.value
                    )
                };
                self.change(ChangeKind::RescheduleJob, name.clone(), detail, job.origin);
                stmts.push(Stmt::Cron(CronCall::Schedule {
                    name: name.clone(),
                    schedule: job.schedule.value.clone(),
                    command: job.command.value.clone(),
                }));
            }
            if before.active != job.active {
                self.change(
                    ChangeKind::SetJobActive,
                    name.clone(),
                    if job.active { "resumed" } else { "paused" },
                    job.origin,
                );
                stmts.push(Stmt::Cron(CronCall::SetActive(name.clone(), job.active)));
            }
            self.emit(Phase::ScheduleJob, format!("Job {name}"), stmts);
        }
    }
}
