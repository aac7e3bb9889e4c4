import type { Migration } from './index.ts';

/**
 * A cancelled attempt (the operator cancelled a running job; its worker aborted it) is not a failed attempt: it
 * was written to `failure_attempts` as one of type 'cancelled', and so counted in the Failures view, the failure
 * rates of alerts and the jobs that "ended failed", and its duration among the processing times. Its reason now
 * lives on its own `job_attempts` row, and the failure rows and durations of cancelled attempts already written go. The delete trigger of migration 014 takes each
 * counted row back out of `failure_quarters`.
 */
export const cancelsAreNotFailures: Migration = {
  id: 16,
  name: 'cancels-are-not-failures',
  sql: `
    alter table job_attempts add column error text;   -- the reason of a cancelled attempt

    update job_attempts set error = coalesce((
        select f.error from failure_attempts f
        where f.connection_id = job_attempts.connection_id and f.job_id = job_attempts.job_id
          and f.attempt = job_attempts.attempt and f.at = job_attempts.finished_at and f.source = job_attempts.source
        limit 1), 'Cancelled (no reason recorded)')
    where outcome = 'cancelled';

    delete from failure_attempts
    where error_type = 'cancelled' and source <> 'watch' and exists (
      select 1 from job_attempts a
      where a.outcome = 'cancelled' and a.connection_id = failure_attempts.connection_id and a.job_id = failure_attempts.job_id
        and a.attempt = failure_attempts.attempt and a.finished_at = failure_attempts.at and a.source = failure_attempts.source);

    -- Nor is a cancelled run a processing time: its duration goes too (run_durations names no job; a cancelled
    -- attempt's end, task and duration identify it).
    delete from run_durations
    where ok = 0 and exists (
      select 1 from job_attempts a
      where a.outcome = 'cancelled' and a.connection_id = run_durations.connection_id and a.finished_at = run_durations.at
        and a.task = run_durations.task and round(a.duration_ms) = run_durations.duration_ms);
  `,
};
