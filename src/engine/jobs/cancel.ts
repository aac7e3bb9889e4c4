import type { Session } from '../session.ts';
import type { RunnerHost, RunnerJobEvent } from '../runner/host.ts';
import { OpError } from '../../shared/contract/index.ts';
import { completeJobs, keptPayloadColumns, toRemovedJob, type Queryable, type RemovedJobRow } from './admin-sql.ts';
import type { ActionDeps } from './apply-action.ts';
import { cancelInWorkers, type WorkerJob } from './cancel-in-workers.ts';
import { companionAccess, grantAdvice, reportingHolders, type CompanionAccess } from './companion-access.ts';
import { missingFrom, SKIP } from './skip-reasons.ts';
import { settledWithin } from '../settled-within.ts';
import { JOB_STATE_WHERE } from '../pg/job-state-sql.ts';

interface Outcome {
  affected: string[];
  skipped: { id: string; reason: string }[];
}

interface Row extends RemovedJobRow {
  locked_by: string | null;
  locked: boolean;
  /**
   * Permanently failed as every count says it (JOB_STATE_WHERE): a lock older than 4 h counts as idle for a cancel,
   * but its job is on its last attempt (graphile-worker counts it as it takes the job), not failed.
   */
  failed_for_good: boolean;
}

async function readRows(db: Queryable, ids: string[]): Promise<Map<string, Row>> {
  const { rows } = await db.query<Row>(
    `select j.id::text as id, t.identifier as task, q.queue_name as queue, j.attempts, j.max_attempts,
            left(j.last_error, 16384) as last_error, j.run_at, j.created_at, j.locked_by,
            -- Only a running job's payload is kept from here: an idle one's comes back from complete_jobs.
            ${keptPayloadColumns('j', 'j.locked_at is not null')},
            (j.locked_at is not null and j.locked_at >= now() - interval '4 hours') as locked,
            (${JOB_STATE_WHERE.failed}) as failed_for_good
     from graphile_worker._private_jobs j
     join graphile_worker._private_tasks t on t.id = j.task_id
     left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
     where j.id = any($1::bigint[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** How long a cancel waits for a running task to stop after its abort signal fires. */
export const CANCEL_WAIT_MS = 5_000;

/**
 * Cancels jobs. One that is not running is completed (`complete_jobs`: removed from the queue) and kept in
 * Jobdeck's snapshots as cancelled. One running in the hosted runner gets its own abort signal: the task
 * stops and the job completes instead of failing into a retry. One running in a worker that reports through
 * the companion is asked to stop through `jobdeck.cancel_requests` (cancel-in-workers.ts), with the same end.
 * One running in a process without the companion cannot be reached and is skipped with that reason. The two
 * waits run side by side. `keepFailed`: a job that has failed for good (by then) is skipped, never removed. Does not
 * write the audit log (the caller does).
 */
export async function cancelJobIds(
  deps: ActionDeps,
  session: Session,
  ids: string[],
  actor: string,
  { keepFailed = false, waitMs = CANCEL_WAIT_MS }: { keepFailed?: boolean; waitMs?: number } = {},
): Promise<Outcome> {
  const byId = await readRows(session.pool, ids);
  const host = deps.hosted.host();
  const hostPool = host?.poolId ?? null;
  const out: Outcome = { affected: [], skipped: [] };
  const hosted: Row[] = [];
  const elsewhere: Row[] = [];
  const sort = (id: string, row: Row | undefined, idle: (row: Row) => void) => {
    if (!row) out.skipped.push({ id, reason: SKIP.notFound });
    else if (!row.locked) idle(row);
    else if (hostPool && row.locked_by === hostPool) hosted.push(row);
    else elsewhere.push(row);
  };
  const idle: string[] = [];
  // A job the operator saw running that has failed for good since has nothing left to stop: not theirs to remove by
  // this click. One waiting to retry is removed: "stop it, and it does not run again".
  const toCancel = (row: Row) =>
    keepFailed && row.failed_for_good ? out.skipped.push({ id: row.id, reason: SKIP.failedForGood }) : idle.push(row.id);
  for (const id of ids) sort(id, byId.get(id), toCancel);

  if (idle.length) {
    const removed = await completeJobs(session.pool, idle);
    deps.records.recordCancelled(session.profile.id, removed, actor);
    out.affected.push(...removed.map((r) => r.id));
    // Taken by a worker between the read and complete_jobs: they join the running ones.
    const missed = missingFrom(idle, out.affected);
    const again = missed.length ? await readRows(session.pool, missed) : new Map<string, Row>();
    for (const id of missed) sort(id, again.get(id), () => out.skipped.push({ id, reason: SKIP.raced }));
  }
  // A job held by a worker known gone or stopped runs nowhere: no worker would answer a request (the cancel would
  // wait 10 s for nothing and leave the request behind). Said at once, with what to do instead.
  const held = await heldByGone(deps, session, elsewhere);
  out.skipped.push(...held.skipped);
  const workers = await sortElsewhere(session.pool, held.running);
  out.skipped.push(...workers.refused);

  const inHost = async () => {
    if (!hosted.length || !host) return;
    const results = await abortHosted(host, hosted, waitMs);
    const cancelled = hosted.filter((r) => results.get(r.id) === 'cancelled');
    deps.records.recordCancelled(session.profile.id, cancelled.map(toRemovedJob), actor);
    for (const row of hosted) {
      const result = results.get(row.id)!;
      if (result === 'cancelled') out.affected.push(row.id);
      else out.skipped.push({ id: row.id, reason: HOSTED_REASONS[result] });
    }
  };
  const inWorkers = async () => {
    if (!workers.asked.length || !workers.access) return;
    const ctx = { pool: session.pool, records: deps.records, connectionId: session.profile.id, actor, access: workers.access, keepFailed };
    const result = await cancelInWorkers(ctx, workers.asked);
    out.affected.push(...result.affected);
    out.skipped.push(...result.skipped);
  };
  await Promise.all([inHost(), inWorkers()]);
  return out;
}

/** Splits jobs locked elsewhere into those held by pools known gone or stopped (skipped, with why) and the rest. */
async function heldByGone(deps: ActionDeps, session: Session, rows: Row[]): Promise<{ running: Row[]; skipped: Outcome['skipped'] }> {
  if (rows.length === 0) return { running: rows, skipped: [] };
  const holders = [...new Set(rows.map((r) => r.locked_by ?? ''))].filter(Boolean);
  const verdicts = await deps.liveness.judge(session.pool, session.profile.id, holders);
  const out = { running: [] as Row[], skipped: [] as Outcome['skipped'] };
  for (const row of rows) {
    const v = verdicts.get(row.locked_by ?? '');
    if (v && !v.current && (v.liveness === 'gone' || v.liveness === 'stopped'))
      out.skipped.push({ id: row.id, reason: SKIP.heldByGone(v.poolId, v.reason) });
    else out.running.push(row);
  }
  return out;
}

/**
 * Jobs locked by other processes: those of pools reporting through the companion can be asked to stop (when
 * this console's role may), the others are refused with the reason.
 */
async function sortElsewhere(
  db: Queryable,
  rows: Row[],
): Promise<{ asked: WorkerJob[]; refused: { id: string; reason: string }[]; access: CompanionAccess | null }> {
  const out = { asked: [] as WorkerJob[], refused: [] as { id: string; reason: string }[], access: null as CompanionAccess | null };
  if (rows.length === 0) return out;
  const access = (out.access = await companionAccess(db));
  const holders = [...new Set(rows.map((r) => r.locked_by ?? ''))];
  // Without read access it is unknown whether a holder reports: say what to grant rather than guess.
  const reporting = access.installed && access.canRead ? await reportingHolders(db, holders) : new Map<string, string>();
  const unknown = access.installed && !access.canRead;
  for (const row of rows) {
    const poolId = reporting.get(row.locked_by ?? '');
    if (unknown || (poolId && !access.canRequest)) out.refused.push({ id: row.id, reason: SKIP.cannotAsk(grantAdvice(access)) });
    else if (poolId) out.asked.push({ ...row, poolId });
    else out.refused.push({ id: row.id, reason: SKIP.cancelElsewhere(row.locked_by ?? 'unknown pool') });
  }
  return out;
}

/**
 * Before cancelling a selection: when one of its jobs runs in a worker with the companion and this console's role
 * may not ask that worker (a missing grant), refuse the whole call with the grant to run, before anything changes.
 * (A cancel by filter reports such jobs as skipped with the same advice instead: it may already have changed others.)
 */
export async function assertCanAskWorkers(db: Queryable, ids: string[], hostPoolId: string | null): Promise<void> {
  const { rows } = await db.query<{ locked_by: string }>(
    `select distinct locked_by from graphile_worker._private_jobs
     where id = any($1::bigint[]) and locked_by is not null and locked_at >= now() - interval '4 hours'
       and locked_by is distinct from $2`,
    [ids, hostPoolId],
  );
  if (rows.length === 0) return;
  const access = await companionAccess(db);
  if (!access.installed || (access.canRead && access.canRequest)) return;
  if (
    access.canRead &&
    (
      await reportingHolders(
        db,
        rows.map((r) => r.locked_by),
      )
    ).size === 0
  )
    return;
  throw new OpError('read_only', `Cannot cancel the running job: ${grantAdvice(access)}`);
}

type HostedResult = 'cancelled' | 'success' | 'error' | 'not-started' | 'timeout';

const HOSTED_REASONS: Record<Exclude<HostedResult, 'cancelled'>, string> = {
  success: 'it finished before the cancel took effect',
  error: 'it failed before the cancel took effect',
  'not-started': "taken by this console's runner but not started yet: try again",
  timeout: 'asked to stop, but the task has not ended yet (does it honour helpers.abortSignal?)',
};

/** Aborts each job with reason 'cancel' and waits (bounded) for the runner to report how each ended. */
async function abortHosted(host: RunnerHost, rows: Row[], waitMs: number): Promise<Map<string, HostedResult>> {
  const results = new Map<string, HostedResult>();
  const pending = new Set<string>();
  let done: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (done = resolve));
  const onJob = (event: RunnerJobEvent) => {
    if (event.kind === 'start' || !pending.has(event.job.id)) return;
    pending.delete(event.job.id);
    results.set(event.job.id, event.kind);
    if (pending.size === 0) done();
  };
  host.on('job', onJob);
  try {
    for (const row of rows) {
      pending.add(row.id);
      if (!host.abort(row.id, 'cancel')) {
        pending.delete(row.id);
        results.set(row.id, 'not-started');
      }
    }
    if (pending.size > 0) await settledWithin(allDone, waitMs);
  } finally {
    host.off('job', onJob);
  }
  for (const id of pending) results.set(id, 'timeout');
  return results;
}
