import pg from 'pg';

/** What settling a stopped pool did with the jobs it still held. */
export interface SettleReport {
  /** Their attempt had succeeded (or was cancelled): completed, not run again. */
  completed: number;
  /** Their last attempt had failed: failed for good with the recorded error. */
  failed: number;
  /** Their attempt had failed with attempts left: scheduled again with graphile-worker's own backoff. */
  retried: number;
  /** No outcome recorded (the companion could not write it): released to run again at once. */
  released: number;
}

interface HeldJob {
  id: string;
  attempts: number;
  max_attempts: number;
  outcome: 'success' | 'failure' | 'cancelled' | null;
  error: string | null;
}

/**
 * A pool of this process has stopped, yet graphile-worker may still show jobs locked by it: a job's outcome is
 * written after its task ends, and a write that met a database outage is lost (graphile-worker does not retry a
 * refused connection), so the job would stay locked for 4 hours. The companion records every attempt's outcome
 * in jobdeck.attempts and retries its own writes, so most such jobs can be settled as they ended instead of being
 * run again; the rest are released. One transaction: the unlock is seen by other workers only together with the
 * settlement, so none of them takes a job that is being completed. Only for a pool whose process is this one and
 * that has stopped (nothing of it can still be running).
 *
 * `ended`: the pool did not stop but ended under its jobs (its thread failed, say, with this reason). A job of it
 * with no outcome recorded then failed its attempt, as graphile-worker would count a crash: retried with its
 * backoff, or failed for good on its last attempt, never run again at once (a task that brings its thread down
 * would otherwise do it again every few seconds).
 */
export async function settleStoppedPool(client: pg.ClientBase, poolId: string, ended?: string): Promise<SettleReport> {
  const report: SettleReport = { completed: 0, failed: 0, retried: 0, released: 0 };
  await client.query('begin');
  try {
    const held = await heldJobs(client, poolId);
    await client.query('select graphile_worker.force_unlock_workers($1::text[])', [[poolId]]);
    const done = held.filter((j) => j.outcome === 'success' || j.outcome === 'cancelled').map((j) => j.id);
    if (done.length) await client.query('select graphile_worker.complete_jobs($1::bigint[])', [done]);
    report.completed = done.length;
    const failed = held.filter((j) => j.outcome === 'failure' || (ended !== undefined && j.outcome === null));
    for (const job of failed) {
      if (job.attempts >= job.max_attempts) {
        const error = job.outcome === null ? `The runner ended while this job ran: ${ended}` : (job.error ?? 'Failed');
        await client.query('select graphile_worker.permanently_fail_jobs($1::bigint[], $2::text)', [[job.id], error]);
        report.failed++;
      } else {
        // graphile-worker's own retry delay after a failed attempt: exp(min(attempts, 10)) seconds.
        await client.query(
          `select graphile_worker.reschedule_jobs($1::bigint[], run_at := now() + exp(least($2::int, 10)) * interval '1 second')`,
          [[job.id], job.attempts],
        );
        report.retried++;
      }
    }
    report.released = held.length - done.length - failed.length;
    await client.query('commit');
    return report;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

/** The jobs still locked by the pool, each with the outcome the companion recorded for its current attempt. */
async function heldJobs(client: pg.ClientBase, poolId: string): Promise<HeldJob[]> {
  const recorded = await client.query<{ ok: boolean }>(`select to_regclass('jobdeck.attempts') is not null as ok`);
  if (!recorded.rows[0].ok) {
    const { rows } = await client.query<HeldJob>(
      `select id::text, attempts, max_attempts, null as outcome, null as error from graphile_worker.jobs where locked_by = $1`,
      [poolId],
    );
    return rows;
  }
  const { rows } = await client.query<HeldJob>(
    `select j.id::text, j.attempts, j.max_attempts, a.outcome, a.error
       from graphile_worker.jobs j
       left join lateral (
         select outcome, error from jobdeck.attempts a
          where a.job_id = j.id and a.attempt = j.attempts and a.pool_id = $1
          order by a.id desc limit 1
       ) a on true
      where j.locked_by = $1`,
    [poolId],
  );
  return rows;
}

/**
 * Runs `work` on a connection of its own, closed afterwards: the runner's pool belongs to graphile-worker, and
 * these reads and writes happen while it stops or just after an outage.
 */
export async function withOwnClient<T>(connectionString: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Settles a stopped pool on a connection of its own; null (with the reason logged) when the database cannot be reached. */
export async function settleStoppedPoolAt(
  connectionString: string,
  poolId: string,
  logError: (message: string) => void,
  ended?: string,
): Promise<SettleReport | null> {
  try {
    return await withOwnClient(connectionString, (client) => settleStoppedPool(client, poolId, ended));
  } catch (error) {
    logError(`could not release the jobs of stopped pool ${poolId}: ${(error as Error).message}`);
    return null;
  }
}
