import { PAYLOAD_SCAN_LIMIT } from '../../shared/contract/job-search.ts';
import type { JobMatch, JobSearch } from '../../shared/model/job-search.ts';
import type { JobOutcome } from '../../shared/model/jobs.ts';
import type { JobRecords } from '../history/job-records.ts';
import type { Session } from '../session.ts';
import type { Queryable } from './admin-sql.ts';
import { likeContains } from './filter-sql.ts';
import { ROW_COLUMNS, toJobRow } from './list-query.ts';

/** The companion's attempts are searched by key in this many of the newest rows (job_key has no index there). */
export const ATTEMPT_SCAN_LIMIT = 200_000;
/** Characters of payload shown around the text found. */
const SNIPPET_BEFORE = 40;
const SNIPPET_CHARS = 160;
const MAX_BIGINT = 9223372036854775807n;

type LiveRow = Parameters<typeof toJobRow>[0] & { snippet?: string | null };

const FROM_LIVE = `join graphile_worker._private_tasks t on t.id = j.task_id
  left join graphile_worker._private_job_queues q on q.id = j.job_queue_id`;

/** `42` or `#42`, within a bigint: the id it names; otherwise null (the text is then only a key or payload text). */
export function idOf(query: string): string | null {
  const m = /^#?(\d{1,19})$/.exec(query);
  if (!m) return null;
  const id = m[1].replace(/^0+/, '');
  return id && BigInt(id) <= MAX_BIGINT ? id : null;
}

const liveMatch = (r: LiveRow, matchedBy: JobMatch['matchedBy']): JobMatch => {
  const row = toJobRow(r);
  return {
    id: row.id,
    task: row.task,
    queue: row.queue,
    state: row.state,
    outcome: null,
    gone: false,
    matchedBy,
    key: row.key,
    snippet: r.snippet ?? null,
    createdAt: row.createdAt,
  };
};

/** A job no longer in the database, as Jobdeck's history last knew it. */
function goneMatch(records: JobRecords, connectionId: string, id: string, matchedBy: JobMatch['matchedBy'], key: string | null) {
  const s = records.lastKnown(connectionId, id);
  if (!s) return null;
  const match: JobMatch = {
    id,
    task: s.task,
    queue: s.queue,
    state: null,
    outcome: s.outcome,
    gone: true,
    matchedBy,
    key,
    snippet: null,
    createdAt: s.created_at === null ? null : new Date(s.created_at).toISOString(),
  };
  return match;
}

/** Whether this role may read the companion's attempts (catalogs only: to_regclass fails without schema usage). */
async function canReadAttempts(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `select coalesce(bool_or(has_schema_privilege(n.oid, 'usage') and has_table_privilege(c.oid, 'select')), false) as ok
     from pg_namespace n join pg_class c on c.relnamespace = n.oid and c.relname = 'attempts' where n.nspname = 'jobdeck'`,
  );
  return rows[0]?.ok ?? false;
}

interface AttemptRow {
  id: string;
  task: string;
  queue: string | null;
  outcome: 'success' | 'failure' | 'cancelled';
  attempt: number;
  max_attempts: number;
}

const ATTEMPT_OUTCOME = (a: AttemptRow): JobOutcome | null =>
  a.outcome === 'success' ? 'succeeded' : a.outcome === 'cancelled' ? 'cancelled' : a.attempt >= a.max_attempts ? 'failed' : null;

/**
 * Jobs whose key was `key` and that have left the database: graphile-worker forgets a completed job and its key,
 * the companion's attempts keep the key. Only the newest ATTEMPT_SCAN_LIMIT attempts are read (walking the
 * primary key backwards), so the cost is bounded whatever the table's size.
 */
async function goneByKey(db: Queryable, key: string, limit: number): Promise<AttemptRow[]> {
  if (!(await canReadAttempts(db))) return [];
  const { rows } = await db.query<AttemptRow>(
    `select distinct on (a.job_id) a.job_id::text as id, a.task, a.queue, a.outcome, a.attempt, a.max_attempts
     from (select * from jobdeck.attempts order by id desc limit $2) a
     where a.job_key = $1
     order by a.job_id desc, a.id desc
     limit $3`,
    [key, ATTEMPT_SCAN_LIMIT, limit],
  );
  return rows;
}

export interface SearchSources {
  records: JobRecords;
}

/**
 * Finds jobs by what an operator knows of them: an exact id, an exact job key, or text in the payload. Ids and
 * keys are indexed lookups; a job that has left the database is found in Jobdeck's history (by id) or the
 * companion's attempts (by key). Payload text has no index: only the newest PAYLOAD_SCAN_LIMIT jobs are searched,
 * and the answer says so when older jobs exist.
 */
export async function findJobs(src: SearchSources, session: Session, query: string, limit: number): Promise<JobSearch> {
  const db = session.pool;
  const connectionId = session.profile.id;
  const found = new Map<string, JobMatch>();
  const add = (m: JobMatch | null) => {
    if (m && !found.has(m.id)) found.set(m.id, m);
  };

  const id = idOf(query);
  if (id) {
    const { rows } = await db.query<LiveRow>(
      `select ${ROW_COLUMNS} from graphile_worker._private_jobs j ${FROM_LIVE} where j.id = $1::bigint`,
      [id],
    );
    add(rows[0] ? liveMatch(rows[0], 'id') : goneMatch(src.records, connectionId, id, 'id', null));
  }

  if (query.length <= 512) {
    const { rows } = await db.query<LiveRow>(`select ${ROW_COLUMNS} from graphile_worker._private_jobs j ${FROM_LIVE} where j.key = $1`, [
      query,
    ]);
    for (const r of rows) add(liveMatch(r, 'key'));
    for (const a of await goneByKey(db, query, limit)) {
      if (found.has(a.id)) continue;
      const live = await db.query<LiveRow>(
        `select ${ROW_COLUMNS} from graphile_worker._private_jobs j ${FROM_LIVE} where j.id = $1::bigint`,
        [a.id],
      );
      // Still in the database (its key stripped by a newer job with the same key, or retried): its live state.
      if (live.rows[0]) add(liveMatch(live.rows[0], 'key'));
      else
        add(
          goneMatch(src.records, connectionId, a.id, 'key', query) ?? {
            id: a.id,
            task: a.task,
            queue: a.queue,
            state: null,
            outcome: ATTEMPT_OUTCOME(a),
            gone: true,
            matchedBy: 'key',
            key: query,
            snippet: null,
            createdAt: null,
          },
        );
    }
  }

  // Payload text, newest first, in the newest PAYLOAD_SCAN_LIMIT jobs (a backward walk of the primary key).
  const { rows: hits } = await db.query<LiveRow>(
    `select ${ROW_COLUMNS},
            substr(j.payload::text, greatest(1, strpos(lower(j.payload::text), lower($2)) - ${SNIPPET_BEFORE}), ${SNIPPET_CHARS}) as snippet
     from (select * from graphile_worker._private_jobs order by id desc limit $3) j ${FROM_LIVE}
     where j.payload::text ilike $1
     order by j.id desc
     limit $4`,
    [likeContains(query), query, PAYLOAD_SCAN_LIMIT, limit + 1 + found.size],
  );
  for (const r of hits) add(liveMatch(r, 'payload'));

  const { rows: older } = await db.query<{ capped: boolean }>(
    `select exists (select 1 from (select id from graphile_worker._private_jobs order by id desc offset $1) x) as capped`,
    [PAYLOAD_SCAN_LIMIT],
  );
  const matches = [...found.values()];
  return {
    query,
    matches: matches.slice(0, limit),
    more: matches.length > limit,
    payloadScanned: PAYLOAD_SCAN_LIMIT,
    payloadCapped: older[0].capped,
  };
}
