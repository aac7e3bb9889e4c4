import type { Session } from '../session.ts';
import { judgeRetry, leftOutReason, type RetryVerdict, type SeenFailure, type TypeVerdict } from '../../shared/errors/index.ts';
import type { ErrorRule } from '../../shared/errors/index.ts';
import type { JobRow, RetryVerdictCounts } from '../../shared/model/jobs.ts';
import type { Queryable } from './admin-sql.ts';
import { errorTypeCase } from './error-type-sql.ts';

/** What judging a retry reads: the failed attempts the history saw of each job, and each type's verdict and label. */
export interface VerdictSources {
  failuresOf(connectionId: string, jobIds: readonly string[]): Map<string, SeenFailure[]>;
  typeVerdict(type: string): { verdict: TypeVerdict; label: string };
}

/** Jobs of types whose verdict depends on their attempts, judged one by one in a preview; beyond, by type alone. */
const PREVIEW_HISTORY_LIMIT = 20_000;

/** Judges one job from its last error's type and the failed attempts the history saw of it. */
export function judgeJob(src: VerdictSources, type: string, failures: readonly SeenFailure[]): RetryVerdict {
  const { verdict, label } = src.typeVerdict(type);
  return judgeRetry(type, verdict, label, failures);
}

/** The verdicts of list rows with an error (a page of the job list, one job's detail). */
export function withVerdicts<R extends Pick<JobRow, 'id' | 'errorType'>>(src: VerdictSources, connectionId: string, rows: R[]): R[] {
  const failed = rows.filter((r) => r.errorType);
  if (failed.length === 0) return rows;
  const seen = src.failuresOf(
    connectionId,
    failed.map((r) => r.id),
  );
  return rows.map((r) => (r.errorType ? { ...r, verdict: judgeJob(src, r.errorType, seen.get(r.id) ?? []) } : r));
}

/** The type of each job's last error as the classifier's rules say, read in SQL (null: no error). */
async function typesOf(db: Queryable, ids: string[], rules: readonly ErrorRule[]): Promise<Map<string, string | null>> {
  const params: unknown[] = [ids];
  const type = errorTypeCase(params, rules);
  const { rows } = await db.query<{ id: string; type: string | null }>(
    `select j.id::text as id, ${type} as type from graphile_worker._private_jobs j where j.id = any($1::bigint[])`,
    params,
  );
  return new Map(rows.map((r) => [r.id, r.type]));
}

/** Splits a chunk of job ids into those a retry is likely to help and those left out, with why (a session's screenTransient). */
export type TransientScreen = (session: Session, ids: string[]) => Promise<{ keep: string[]; leftOut: { id: string; reason: string }[] }>;

/**
 * Splits a chunk of a "transient only" retry: jobs a retry is likely to help go on, the others are left out with
 * the reason (grouped in the bulk report). A job without an error (never failed) or gone goes on: nothing says a
 * retry of it is in vain, and the admin function reports a gone one.
 */
export async function screenTransient(
  src: VerdictSources,
  db: Queryable,
  connectionId: string,
  rules: readonly ErrorRule[],
  ids: string[],
): Promise<{ keep: string[]; leftOut: { id: string; reason: string }[] }> {
  const types = await typesOf(db, ids, rules);
  const failed = ids.filter((id) => types.get(id));
  const seen = src.failuresOf(connectionId, failed);
  const keep: string[] = [];
  const leftOut: { id: string; reason: string }[] = [];
  for (const id of ids) {
    const type = types.get(id);
    const v = type ? judgeJob(src, type, seen.get(id) ?? []) : null;
    if (!v || v.verdict === 'transient') keep.push(id);
    else leftOut.push({ id, reason: leftOutReason(v) });
  }
  return { keep, leftOut };
}

/**
 * What a retry of the jobs matching `where` would leave out with "transient only", for the confirmation. Counts by
 * type in SQL; jobs of a type whose verdict depends on their attempts are judged one by one (the first 20,000; the
 * rest by their type alone, and `partial` says so).
 */
export async function retryVerdictCounts(
  src: VerdictSources,
  db: Queryable,
  connectionId: string,
  rules: readonly ErrorRule[],
  where: string,
  whereParams: unknown[],
): Promise<RetryVerdictCounts> {
  const params = [...whereParams];
  const type = errorTypeCase(params, rules);
  const { rows } = await db.query<{ type: string | null; n: number }>(
    `select ${type} as type, count(*)::int as n from graphile_worker._private_jobs j where ${where} group by 1`,
    params,
  );
  const counts: RetryVerdictCounts = { transient: 0, permanent: 0, unknown: 0, noError: 0, leftOut: [], partial: false };
  const reasons = new Map<string, number>();
  const add = (v: RetryVerdict, n: number) => {
    counts[v.verdict] += n;
    if (v.verdict !== 'transient') reasons.set(leftOutReason(v), (reasons.get(leftOutReason(v)) ?? 0) + n);
  };
  const dependent: string[] = [];
  for (const r of rows) {
    if (r.type === null) counts.noError += r.n;
    else if (['varies', 'unknown'].includes(src.typeVerdict(r.type).verdict)) dependent.push(r.type);
    else add(judgeJob(src, r.type, []), r.n);
  }
  if (dependent.length) {
    const idParams = [...whereParams];
    const typeExpr = errorTypeCase(idParams, rules);
    idParams.push(dependent);
    const { rows: jobs } = await db.query<{ id: string; type: string }>(
      `select * from (select j.id::text as id, ${typeExpr} as type from graphile_worker._private_jobs j where ${where}) t
       where t.type = any($${idParams.length}::text[]) limit ${PREVIEW_HISTORY_LIMIT + 1}`,
      idParams,
    );
    const judged = jobs.slice(0, PREVIEW_HISTORY_LIMIT);
    const seen = src.failuresOf(
      connectionId,
      judged.map((j) => j.id),
    );
    for (const j of judged) add(judgeJob(src, j.type, seen.get(j.id) ?? []), 1);
    // Beyond the bound: by their type alone (as if no attempt repeated).
    const rest = new Map<string, number>(rows.filter((r) => r.type && dependent.includes(r.type)).map((r) => [r.type!, r.n]));
    for (const j of judged) rest.set(j.type, (rest.get(j.type) ?? 0) - 1);
    for (const [t, n] of rest) if (n > 0) add(judgeJob(src, t, []), n);
    counts.partial = jobs.length > PREVIEW_HISTORY_LIMIT;
  }
  counts.leftOut = [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  return counts;
}
