import type pg from 'pg';
import type { LivenessSource, WorkerLiveness } from '../../shared/model/workers.ts';
import { judgeOwnPool, type OwnPool } from '../runner/own-pools.ts';
import { companionLiveness } from './liveness.ts';

type Q = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Whether one pool (graphile-worker's `locked_by`) still runs, how that is known, and who it is. */
export interface PoolVerdict {
  poolId: string;
  /** `unknown`: no companion and not ours; `inferred` then says what its lock age suggests. */
  liveness: WorkerLiveness;
  knownBy: LivenessSource;
  reason: string;
  /** Today's rule for pools whose liveness is unknown: a live pool keeps taking jobs, so an old newest lock means gone. */
  inferred: 'probably-alive' | 'probably-gone' | null;
  /** A pool of this data folder's hosted runner. */
  ours: boolean;
  /** This console's running runner: its jobs are cancelled here, never unlocked. */
  current: boolean;
  host: string | null;
  pid: number | null;
  lastHeartbeatAt: string | null;
  stoppedAt: string | null;
}

/** What judging needs besides the database: this data folder's pools, the running pool, the age rule's threshold. */
export interface LivenessKnowledge {
  own(): Map<string, OwnPool>;
  currentPoolId(): string | null;
  /** Unknown pools whose newest lock is older than this are judged probably gone (the stuck default threshold). */
  judgeAfterMs(connectionId: string): number;
}

export interface PoolLivenessSource {
  /**
   * Judges each pool id. `newestLockMs` (age of each pool's newest job or queue lock, by the database's clock)
   * spares a scan when the caller has read it already; pools missing from it are read.
   */
  judge(
    db: Q,
    connectionId: string,
    poolIds: readonly string[],
    newestLockMs?: ReadonlyMap<string, number | null>,
  ): Promise<Map<string, PoolVerdict>>;
}

/** A row of `jobdeck.workers` as judging reads it; `silent_ms` is computed by the database's clock. */
export interface CompanionRow {
  pool_id: string;
  worker_ids: string[];
  host: string;
  pid: number;
  last_heartbeat_at: Date;
  heartbeat_interval_ms: number;
  stopped_at: Date | null;
  silent_ms: number;
}

/**
 * The companion's rows for these ids: by pool id (graphile-worker 0.17+ writes it to `locked_by`) or by worker
 * id (0.16 writes each worker's id). No rows when the `jobdeck` schema is absent or not readable by this role.
 */
export async function companionRows(db: Q, ids: readonly string[]): Promise<Map<string, CompanionRow>> {
  const out = new Map<string, CompanionRow>();
  if (ids.length === 0) return out;
  const { rows: present } = await db.query<{ ok: boolean }>(
    `select to_regclass('jobdeck.workers') is not null and has_table_privilege(to_regclass('jobdeck.workers'), 'select') as ok`,
  );
  if (!present[0]?.ok) return out;
  const { rows } = await db.query<CompanionRow>(
    `select pool_id, worker_ids, host, pid, last_heartbeat_at, heartbeat_interval_ms, stopped_at,
            (extract(epoch from now() - last_heartbeat_at) * 1000)::float8 as silent_ms
     from jobdeck.workers where pool_id = any($1::text[]) or worker_ids && $1::text[]`,
    [ids],
  );
  const wanted = new Set(ids);
  for (const row of rows) for (const id of [row.pool_id, ...row.worker_ids]) if (wanted.has(id)) out.set(id, row);
  return out;
}

/** A reporting pool's verdict from its own row: its heartbeat decides (see `companionLiveness`). */
export function companionVerdict(poolId: string, row: CompanionRow): PoolVerdict {
  const v = companionLiveness(row);
  return {
    poolId,
    liveness: v.liveness,
    knownBy: 'companion',
    reason: v.reason,
    inferred: null,
    ours: false,
    current: false,
    host: row.host,
    pid: row.pid,
    lastHeartbeatAt: row.last_heartbeat_at.toISOString(),
    stoppedAt: row.stopped_at?.toISOString() ?? null,
  };
}

/** Age of each pool's newest job or queue lock (null: it holds nothing), by the database's clock. */
export async function newestLocks(db: Q, ids: readonly string[]): Promise<Map<string, number | null>> {
  const { rows } = await db.query<{ pool_id: string; newest_ms: number | null }>(
    `with l as (
       select locked_by, locked_at from graphile_worker._private_jobs where locked_by = any($1::text[]) and locked_at is not null
       union all
       select locked_by, locked_at from graphile_worker._private_job_queues where locked_by = any($1::text[]) and locked_at is not null
     )
     select locked_by as pool_id, (extract(epoch from now() - max(locked_at)) * 1000)::float8 as newest_ms from l group by 1`,
    [ids],
  );
  const out = new Map<string, number | null>(ids.map((id) => [id, null]));
  for (const r of rows) out.set(r.pool_id, r.newest_ms);
  return out;
}

const none = { host: null, pid: null, lastHeartbeatAt: null, stoppedAt: null };

/**
 * The one place that says whether a pool runs, for every view and every unlock. Ours are known from the runner's
 * records (the running pool is alive); a pool whose worker runs the companion is known from its heartbeat
 * (gone once three intervals late, computed by the database's clock; stopped when it said so); any other pool is
 * unknown and judged from its newest lock's age, labelled as such. A process id alone is never trusted.
 */
export function createPoolLiveness(known: LivenessKnowledge): PoolLivenessSource {
  return {
    async judge(db, connectionId, poolIds, newestLockMs) {
      const ids = [...new Set(poolIds)];
      const own = known.own();
      const current = known.currentPoolId();
      const verdicts = new Map<string, PoolVerdict>();
      // Every pool's own row, this console's too (its runner carries the companion): host and heartbeat as the
      // Workers view shows them, whoever decides the liveness.
      const reporting = await companionRows(db, ids);
      for (const id of ids) {
        const mine = own.get(id);
        if (!mine && id !== current) continue;
        const row = reporting.get(id);
        const v = mine ? judgeOwnPool(mine, current) : { alive: true, reason: "Jobdeck's running runner", stoppedAt: undefined };
        verdicts.set(id, {
          poolId: id,
          liveness: v.alive ? 'alive' : 'gone',
          knownBy: 'runner',
          reason: v.reason,
          inferred: null,
          ours: true,
          current: id === current,
          ...none,
          host: row?.host ?? null,
          lastHeartbeatAt: row?.last_heartbeat_at.toISOString() ?? null,
          pid: mine?.pid ?? process.pid,
          stoppedAt: v.stoppedAt ?? null,
        });
      }

      for (const [id, row] of reporting) if (!verdicts.has(id)) verdicts.set(id, companionVerdict(id, row));

      const unknown = ids.filter((id) => !verdicts.has(id));
      if (unknown.length === 0) return verdicts;
      const unread = unknown.filter((id) => !newestLockMs?.has(id));
      const ages = unread.length ? await newestLocks(db, unread) : new Map<string, number | null>();
      const judgeAfterMs = known.judgeAfterMs(connectionId);
      for (const id of unknown) {
        const age = newestLockMs?.has(id) ? newestLockMs.get(id)! : (ages.get(id) ?? null);
        verdicts.set(id, { poolId: id, ...inferFromLocks(age, judgeAfterMs), knownBy: 'locks', ours: false, current: false, ...none });
      }
      return verdicts;
    },
  };
}

/** Today's rule for a pool whose liveness is unknown: a pool holding nothing has nothing to lose; an old newest lock means gone. */
function inferFromLocks(newestMs: number | null, judgeAfterMs: number): Pick<PoolVerdict, 'liveness' | 'inferred' | 'reason'> {
  const minutes = Math.round((newestMs ?? 0) / 60_000);
  const stale = newestMs === null || newestMs > judgeAfterMs;
  return {
    liveness: 'unknown',
    inferred: stale ? 'probably-gone' : 'probably-alive',
    reason:
      newestMs === null
        ? 'No companion in this worker, and it holds no lock now'
        : stale
          ? `Judged from lock age (no companion in this worker): its newest lock is ${minutes} min old`
          : 'Judged from lock age (no companion in this worker): it took a lock recently',
  };
}
