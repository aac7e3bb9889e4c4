import type { Session } from '../session.ts';
import type { RunnerHost, RunnerJobEvent } from '../runner/host.ts';
import { completeJobs, toRemovedJob, type RemovedJobRow } from './admin-sql.ts';
import type { ActionDeps } from './apply-action.ts';
import { explainSkipped, missingFrom, SKIP } from './skip-reasons.ts';

interface Outcome {
  affected: string[];
  skipped: { id: string; reason: string }[];
}

interface Row extends RemovedJobRow {
  locked_by: string | null;
  locked: boolean;
}

/** How long a cancel waits for a running task to stop after its abort signal fires. */
export const CANCEL_WAIT_MS = 5_000;

/**
 * Cancels jobs. One that is not running is completed (`complete_jobs`: removed from the queue) and kept in
 * Jobdeck's snapshots as cancelled. One running in the hosted runner gets its own abort signal: the task
 * stops and the job completes instead of failing into a retry. One running in another process cannot be
 * reached from here and is skipped with that reason. Does not write the audit log (the caller does).
 */
export async function cancelJobIds(
  deps: ActionDeps,
  session: Session,
  ids: string[],
  actor: string,
  waitMs = CANCEL_WAIT_MS,
): Promise<Outcome> {
  const { rows } = await session.pool.query<Row>(
    `select j.id::text as id, t.identifier as task, q.queue_name as queue, j.attempts, j.max_attempts,
            left(j.last_error, 16384) as last_error, j.run_at, j.created_at, j.locked_by,
            (j.locked_at is not null and j.locked_at >= now() - interval '4 hours') as locked
     from graphile_worker._private_jobs j
     join graphile_worker._private_tasks t on t.id = j.task_id
     left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
     where j.id = any($1::bigint[])`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const host = deps.hosted.host();
  const hostPool = host?.poolId ?? null;
  const out: Outcome = { affected: [], skipped: [] };
  const idle: string[] = [];
  const hosted: Row[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) out.skipped.push({ id, reason: SKIP.notFound });
    else if (!row.locked) idle.push(id);
    else if (hostPool && row.locked_by === hostPool) hosted.push(row);
    else out.skipped.push({ id, reason: SKIP.cancelElsewhere(row.locked_by ?? 'unknown pool') });
  }

  if (idle.length) {
    const removed = await completeJobs(session.pool, idle);
    deps.records.recordCancelled(session.profile.id, removed, actor);
    out.affected.push(...removed.map((r) => r.id));
    const skipped = missingFrom(idle, out.affected);
    out.skipped.push(...(await explainSkipped(session.pool, skipped, hostPool, SKIP.cancelElsewhere)));
  }

  if (hosted.length && host) {
    const results = await abortHosted(host, hosted, waitMs);
    const cancelled = hosted.filter((r) => results.get(r.id) === 'cancelled');
    deps.records.recordCancelled(session.profile.id, cancelled.map(toRemovedJob), actor);
    for (const row of hosted) {
      const result = results.get(row.id)!;
      if (result === 'cancelled') out.affected.push(row.id);
      else out.skipped.push({ id: row.id, reason: HOSTED_REASONS[result] });
    }
  }
  return out;
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
      if (!host.aborts.abort(row.id, 'cancel')) {
        pending.delete(row.id);
        results.set(row.id, 'not-started');
      }
    }
    if (pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allDone, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    }
  } finally {
    host.off('job', onJob);
  }
  for (const id of pending) results.set(id, 'timeout');
  return results;
}
