/**
 * The one SQL derivation of a job's state (see src/shared/model/job-state.ts), over `_private_jobs` aliased
 * as `j`. Every count and list uses it, so the numbers on every screen agree.
 */
export const JOB_STATE_SQL = `case
  when j.locked_at is not null then 'running'
  when j.attempts >= j.max_attempts then 'failed'
  when j.attempts > 0 then 'retrying'
  when j.run_at > now() then 'scheduled'
  else 'ready' end`;

/** Filters per state, as `count(*) filter (where ...)` conditions on `j`. */
export const JOB_STATE_WHERE = {
  running: 'j.locked_at is not null',
  failed: 'j.locked_at is null and j.attempts >= j.max_attempts',
  retrying: 'j.locked_at is null and j.attempts > 0 and j.attempts < j.max_attempts',
  scheduled: 'j.locked_at is null and j.attempts = 0 and j.run_at > now()',
  ready: 'j.locked_at is null and j.attempts = 0 and j.run_at <= now()',
} as const;
