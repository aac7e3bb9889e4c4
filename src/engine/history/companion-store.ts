import type pg from 'pg';
import { writeTransaction, type Db } from '../store/db.ts';
import type { CompanionAttempt } from './companion-rows.ts';
import type { ExactAttemptsRepo, RecordedAttempt } from './exact-attempts.ts';
import type { ReportingPool } from './reporting-pools.ts';
import { failureRollup } from './failure-rollup.ts';

/** A heartbeat this many intervals late: the pool is no longer live (as the Workers view judges it). */
const MISSED_HEARTBEATS = 3;

/**
 * The reader's SQLite side (its cursor, the reporting pools and their hosts, the attempts it writes) and the two
 * lookups in Postgres it needs besides the rows: the jobs' generations and the pools.
 */
export function companionStore(db: Db, connectionId: string) {
  const getCursor = db.prepare<[string], { stream: string; cursor: number | bigint }>(
    'select stream, cursor from companion_cursors where connection_id = ?',
  );
  const putCursor = db.prepare(
    `insert into companion_cursors (connection_id, stream, cursor, updated_at) values (?, ?, ?, ?)
     on conflict (connection_id) do update set stream = excluded.stream, cursor = excluded.cursor, updated_at = excluded.updated_at`,
  );
  const putPool = db.prepare(
    `insert into companion_pools (connection_id, pool_id, host, pid, seen_at) values (?, ?, ?, ?, ?)
     on conflict (connection_id, pool_id) do update set host = excluded.host, pid = excluded.pid, seen_at = excluded.seen_at`,
  );
  const rollup = failureRollup(db);
  const recordAll = writeTransaction(
    db,
    (
      exact: ExactAttemptsRepo,
      attempts: CompanionAttempt[],
      generations: Map<number, number>,
      knownPool: (id: string) => boolean,
      hostedPool: (id: string) => boolean,
      onBatch: ((recorded: RecordedAttempt[]) => void) | undefined,
    ) => {
      const newPools = new Set<string>();
      for (const a of attempts) if (!knownPool(a.poolId)) newPools.add(a.poolId);
      const { recorded: batch, errors } = exact.recordMany(
        attempts.map((a) => ({
          connectionId,
          ...a,
          // The hosted runner reports through the companion like any worker; its attempts keep saying they are
          // this console's runner's (job detail, exports).
          source: hostedPool(a.poolId) ? ('runner' as const) : ('companion' as const),
          sourceId: a.id,
          generation: generations.get(a.id) ?? -a.id,
        })),
      );
      // One row SQLite will not take must not hold back the others (what it wrote alone is undone).
      const failed = errors.map(({ attempt, error }) => ({
        id: BigInt(attempt.sourceId!),
        reason: `could not be recorded: ${(error as Error).message}`,
      }));
      const recorded = batch.length;
      // What the batch adds to other tables (the usage rollups), in the same transaction: once per batch, not per row.
      if (batch.length > 0) onBatch?.(batch);
      rollup.fold();
      return { recorded, newPools, failed };
    },
  );

  return {
    cursor(): { stream: string; cursor: bigint } | undefined {
      const row = getCursor.get(connectionId);
      return row ? { stream: row.stream, cursor: BigInt(row.cursor) } : undefined;
    },
    saveCursor(stream: string, cursor: bigint): void {
      putCursor.run(connectionId, stream, cursor, Date.now());
    },

    /**
     * The generation (see attempts-repo) of each failed or cancelled attempt: the job's `updated_at` while the job
     * is still there with at least that many attempts (so the watcher's guess of the same attempt shares the key);
     * otherwise the attempt is of an earlier run (retried since, or the job is gone) and its row id stands in,
     * negated, so it can never meet a later run's key.
     */
    async generations(pool: Pick<pg.Pool, 'query'>, attempts: CompanionAttempt[]): Promise<Map<number, number>> {
      const failed = attempts.filter((a) => a.outcome !== 'success');
      const out = new Map<number, number>();
      if (failed.length === 0) return out;
      let rows: { id: string; attempts: number; generation: number }[] = [];
      try {
        ({ rows } = await pool.query<{ id: string; attempts: number; generation: number }>(
          `select j.id::text as id, j.attempts, floor(extract(epoch from j.updated_at))::float8 as generation
           from graphile_worker._private_jobs j where j.id = any($1::bigint[])`,
          [[...new Set(failed.map((a) => String(a.jobId)))]],
        ));
      } catch {
        // Not readable by this role: every attempt keys on its own row id (the watcher cannot see the jobs either).
      }
      const jobs = new Map(rows.map((r) => [Number(r.id), r]));
      for (const a of failed) {
        const job = jobs.get(a.jobId);
        if (job && job.attempts >= a.attempt) out.set(a.id, job.generation);
      }
      return out;
    },

    /** Writes a page's attempts in one transaction; `recorded` counts the new ones. */
    record(
      exact: ExactAttemptsRepo,
      attempts: CompanionAttempt[],
      generations: Map<number, number>,
      knownPool: (id: string) => boolean,
      hostedPool: (id: string) => boolean = () => false,
      onBatch?: (recorded: RecordedAttempt[]) => void,
    ) {
      return recordAll(exact, attempts, generations, knownPool, hostedPool, onBatch);
    },

    /**
     * The pools that report (live, or stopped within the hour) and those asked for (the pools of attempts just
     * read), kept with their host for the jobs they ran.
     */
    async readPools(pool: Pick<pg.Pool, 'query'>, asked: string[]): Promise<Map<string, ReportingPool>> {
      const { rows } = await pool.query<{ pool_id: string; host: string | null; pid: number | null; live: boolean }>(
        `select left(pool_id, 200) as pool_id, left(host, 200) as host, pid,
                stopped_at is null and last_heartbeat_at > now() - make_interval(secs => ${MISSED_HEARTBEATS} * heartbeat_interval_ms / 1000.0) as live
         from jobdeck.workers
         where stopped_at is null or stopped_at > now() - interval '1 hour' or pool_id = any($1::text[])
         order by last_heartbeat_at desc
         limit 2000`,
        [asked],
      );
      const now = Date.now();
      const pools = new Map<string, ReportingPool>();
      writeTransaction(db, () => {
        for (const r of rows) {
          pools.set(r.pool_id, { poolId: r.pool_id, host: r.host, live: r.live === true });
          putPool.run(connectionId, r.pool_id, r.host, Number.isSafeInteger(r.pid) ? r.pid : null, now);
        }
      })();
      return pools;
    },
  };
}

export type CompanionStore = ReturnType<typeof companionStore>;
