import { OpError } from '../../shared/contract/index.ts';
import { classifyError } from '../../shared/errors/index.ts';
import type { JobDetail } from '../../shared/model/jobs.ts';
import type { Session } from '../session.ts';
import type { HostedRunner } from '../context.ts';
import type { JobRecords, JobSnapshotRow } from '../history/job-records.ts';
import { ROW_COLUMNS, toJobRow } from './list-query.ts';
import { companionAccess, reportingHolders } from './companion-access.ts';

/** What a job's detail reads besides the database: the history's records, the classifier, the hosted runner. */
export interface DetailSources {
  records: JobRecords;
  classify: (message: string) => string;
  hosted: HostedRunner;
}

/** Bounds of what the detail view receives: last_error can be megabytes, payloads too. */
export const DETAIL_ERROR_CHARS = 64 * 1024;
export const DETAIL_PAYLOAD_CHARS = 256 * 1024;

type Row = Parameters<typeof toJobRow>[0] & {
  payload: string;
  payload_length: number;
  last_error: string | null;
  error_length: number | null;
  flags: Record<string, unknown> | null;
  updated_at: Date;
  revision: number;
  db_now: Date;
};

/** Pretty-prints JSON when it fits the bound; otherwise returns the raw head. */
function prettyPayload(raw: string, length: number): { text: string; truncated: boolean } {
  if (length > DETAIL_PAYLOAD_CHARS) return { text: raw, truncated: true };
  try {
    return { text: JSON.stringify(JSON.parse(raw), null, 2), truncated: false };
  } catch {
    return { text: raw, truncated: false };
  }
}

/**
 * A job in full from graphile-worker's private table (the payload is not in the public view), with the
 * attempts Jobdeck has seen; a job no longer in the database is answered from Jobdeck's snapshot.
 */
export async function getJobDetail(src: DetailSources, session: Session, id: string): Promise<JobDetail> {
  const { rows } = await session.pool.query<Row>(
    `select ${ROW_COLUMNS}, left(j.payload::text, ${DETAIL_PAYLOAD_CHARS}) as payload, length(j.payload::text) as payload_length,
            left(j.last_error, ${DETAIL_ERROR_CHARS}) as last_error, length(j.last_error) as error_length,
            j.flags, j.updated_at, j.revision, now() as db_now
     from graphile_worker._private_jobs j
     join graphile_worker._private_tasks t on t.id = j.task_id
     left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
     where j.id = $1::bigint`,
    [id],
  );
  const attemptsSeen = src.records.attemptsOf(session.profile.id, id);
  const r = rows[0];
  if (!r) return fromSnapshot(src.records.lastKnown(session.profile.id, id), id, attemptsSeen);
  const payload = prettyPayload(r.payload, r.payload_length);
  const host = src.hosted.host();
  const row = toJobRow(r, src.classify);
  return {
    ...row,
    payload: payload.text,
    payloadTruncated: payload.truncated,
    lastError: r.last_error,
    errorLength: r.error_length ?? 0,
    flags: r.flags ? Object.keys(r.flags).filter((k) => r.flags![k]) : [],
    updatedAt: r.updated_at.toISOString(),
    revision: r.revision,
    dbNow: r.db_now.toISOString(),
    gone: false,
    snapshotState: null,
    outcome: null,
    durationMs: null,
    worker: null,
    cancelledBy: null,
    cancelledAt: null,
    endedAt: null,
    attemptsSeen,
    runningHere: !!host && r.locked_by === host.poolId && host.isRunning(r.id),
    holder: row.state === 'running' && row.lockedBy ? await holderOf(session, row.lockedBy, host?.poolId ?? null) : null,
  };
}

/** Whether the pool holding a job is this console's runner, a worker that reports through the companion, or neither. */
async function holderOf(session: Session, lockedBy: string, hostPoolId: string | null): Promise<JobDetail['holder']> {
  if (lockedBy === hostPoolId) return 'hosted';
  const access = await companionAccess(session.pool);
  if (!access.installed || !access.canRead) return 'watched';
  return (await reportingHolders(session.pool, [lockedBy])).size ? 'companion' : 'watched';
}

function keptPayload(s: JobSnapshotRow): Pick<JobDetail, 'payload' | 'payloadTruncated'> {
  if (s.payload === null) return { payload: null, payloadTruncated: false };
  const whole = s.payload_length === null || s.payload_length <= s.payload.length;
  return whole
    ? { payload: prettyPayload(s.payload, s.payload.length).text, payloadTruncated: false }
    : { payload: s.payload, payloadTruncated: true };
}

/**
 * A job that has left the database (completed, cancelled, removed): how it ended by the account of the worker that
 * ran it (the hosted runner, the companion), Jobdeck's snapshot of a cancel, or what its failed attempts tell.
 * It has no state in graphile-worker's table any more: `state` is null, `outcome` says how it ended when known.
 */
function fromSnapshot(s: JobSnapshotRow | undefined, id: string, attemptsSeen: JobDetail['attemptsSeen']): JobDetail {
  if (!s) throw new OpError('not_found', `Job ${id} is not in the database, and Jobdeck has no record of it`);
  const endedAt = new Date(s.cancelled_at ?? s.seen_at).toISOString();
  const runAt = s.run_at === null ? endedAt : new Date(s.run_at).toISOString();
  const error = s.last_error?.slice(0, DETAIL_ERROR_CHARS) ?? null;
  return {
    id,
    task: s.task,
    queue: s.queue,
    state: null,
    priority: 0,
    runAt,
    attempts: s.attempts,
    maxAttempts: s.max_attempts,
    errorHead: error?.slice(0, 300) ?? null,
    errorType: error ? classifyError(error) : null,
    createdAt: s.created_at === null ? null : new Date(s.created_at).toISOString(),
    endedAt,
    lockedAt: null,
    lockedBy: null,
    key: null,
    // Kept for a job the operator cancelled (pretty-printed when whole), not for one that ran to its end.
    ...keptPayload(s),
    lastError: error,
    errorLength: s.last_error?.length ?? 0,
    flags: [],
    updatedAt: null,
    revision: null,
    dbNow: new Date().toISOString(),
    gone: true,
    snapshotState: s.state,
    outcome: s.outcome,
    durationMs: s.duration_ms === null ? null : Math.round(s.duration_ms),
    worker: s.worker,
    cancelledBy: s.cancelled_by,
    cancelledAt: s.cancelled_at ? new Date(s.cancelled_at).toISOString() : null,
    attemptsSeen,
    runningHere: false,
    holder: null,
  };
}
