import type { Db } from '../store/db.ts';
import type { AttemptSource, FailedAttempt, HistoryFilter } from '../../shared/model/history.ts';

interface Row {
  id: number;
  connection_id: string;
  job_id: number;
  task: string;
  queue: string | null;
  attempt: number;
  max_attempts: number | null;
  at: number;
  error: string;
  error_type: string;
  duration_ms: number | null;
  pool_id: string | null;
  source: AttemptSource;
  final: number;
}

const toAttempt = (r: Row): FailedAttempt => ({
  id: r.id,
  connectionId: r.connection_id,
  jobId: r.job_id,
  task: r.task,
  queue: r.queue,
  attempt: r.attempt,
  maxAttempts: r.max_attempts,
  at: new Date(r.at).toISOString(),
  error: r.error,
  errorType: r.error_type,
  durationMs: r.duration_ms,
  poolId: r.pool_id,
  source: r.source,
  final: r.final === 1,
});

/** `<at>:<id>` of a row: where the next (older) page starts. */
export const cursorOf = (a: { at: string; id: number }) => `${Date.parse(a.at)}:${a.id}`;

/**
 * The WHERE clause of a filter, with only the conditions that are set, so SQLite picks the matching index
 * ((connection, type|task, at desc, id desc)); `(at, id) < (cursor)` continues a page without OFFSET.
 */
export function filterSql(connectionId: string, filter: HistoryFilter, cursor?: string) {
  const where = ['connection_id = @connectionId'];
  const params: Record<string, unknown> = { connectionId };
  if (filter.errorType) {
    where.push('error_type = @errorType');
    params.errorType = filter.errorType;
  }
  if (filter.task) {
    where.push('task = @task');
    params.task = filter.task;
  }
  if (filter.from) {
    where.push('at >= @from');
    params.from = Date.parse(filter.from);
  }
  if (filter.to) {
    where.push('at < @to');
    params.to = Date.parse(filter.to);
  }
  if (filter.search) {
    // LIKE is case-insensitive for ASCII; the operator's text is escaped so % and _ match themselves.
    params.pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    if (/^\d{1,15}$/.test(filter.search)) {
      where.push(`(job_id = @jobId or error like @pattern escape '\\')`);
      params.jobId = Number(filter.search);
    } else {
      where.push(`error like @pattern escape '\\'`);
    }
  }
  if (cursor) {
    const [at, id] = cursor.split(':').map(Number);
    where.push('(at, id) < (@cursorAt, @cursorId)');
    params.cursorAt = at;
    params.cursorId = id;
  }
  return { where: where.join(' and '), params };
}

/** One page of failed attempts, newest first. */
export function listAttempts(db: Db, connectionId: string, filter: HistoryFilter, limit: number, cursor?: string) {
  const { where, params } = filterSql(connectionId, filter, cursor);
  const rows = db
    .prepare(`select * from failure_attempts where ${where} order by at desc, id desc limit @limit`)
    .all({ ...params, limit: limit + 1 }) as Row[];
  const page = rows.slice(0, limit).map(toAttempt);
  return { rows: page, nextCursor: rows.length > limit ? cursorOf(page[page.length - 1]) : null };
}
