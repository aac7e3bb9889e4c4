import type pg from 'pg';
import { OpError } from '../../shared/contract/index.ts';
import { companionRows, companionVerdict, type PoolVerdict } from './pool-liveness.ts';

/** What every unlock entry point decides from the pools' verdicts. */
export interface UnlockGate {
  /** Known gone, stopped, or unknown and judged gone (or forced): unlocked. */
  allowed: string[];
  /** Left alone with the reason: this console's running runner, or an unknown pool that looks alive without `force`. */
  refused: { poolId: string; reason: string }[];
  /** Known alive (another process): the whole request is refused with `aliveError`. */
  alive: PoolVerdict[];
}

/**
 * The one unlock rule. A pool known alive is refused whatever `force` says (its jobs really run: unlocking would
 * let a second worker run them at the same time). This console's running runner is left alone (cancel its jobs
 * instead). A pool known gone, or stopped yet still holding locks, is unlocked without a confirmation. A pool
 * whose liveness is unknown keeps the lock-age rule: judged alive, it needs `force`.
 */
export function gateUnlock(verdicts: ReadonlyMap<string, PoolVerdict>, poolIds: readonly string[], force: boolean): UnlockGate {
  const gate: UnlockGate = { allowed: [], refused: [], alive: [] };
  for (const id of new Set(poolIds)) {
    const v = verdicts.get(id);
    if (!v) gate.allowed.push(id);
    else if (v.current) gate.refused.push({ poolId: id, reason: `${v.reason}: stop it first, its jobs are really running` });
    else if (v.liveness === 'alive') gate.alive.push(v);
    else if (v.liveness === 'unknown' && v.inferred === 'probably-alive' && !force)
      gate.refused.push({ poolId: id, reason: `${v.reason}: confirm to unlock anyway` });
    else gate.allowed.push(id);
  }
  return gate;
}

/** Who a live pool is, in words: host, pid and last heartbeat when the companion said them. */
function describe(v: Pick<PoolVerdict, 'poolId' | 'host' | 'pid' | 'lastHeartbeatAt' | 'reason'>): string {
  const who = [v.host && `host ${v.host}`, v.pid !== null && `pid ${v.pid}`, v.lastHeartbeatAt && `last heartbeat ${v.lastHeartbeatAt}`]
    .filter(Boolean)
    .join(', ');
  return `pool ${v.poolId}${who ? ` (${who})` : ''} is alive: ${v.reason}`;
}

/** The refusal of an unlock that would release a live pool's jobs: a 409 naming each pool. */
export function aliveError(alive: readonly PoolVerdict[]): OpError {
  const pools = alive.map((v) => ({ poolId: v.poolId, host: v.host, pid: v.pid, lastHeartbeatAt: v.lastHeartbeatAt, reason: v.reason }));
  return new OpError(
    'conflict',
    `Not unlocked: ${pools.map(describe).join('; ')}. Its jobs are running: unlocking them would run them twice at the same time. Stop the worker (or wait for it to be known gone) first.`,
    { alive: pools },
  );
}

export interface ForceUnlockResult {
  jobsUnlocked: number;
  queuesUnlocked: number;
  jobsRequeued: number;
  jobsExhausted: number;
  /** Released job ids, ascending (bounded by `maxIds`). */
  jobIds: string[];
  /** Pools that actually held something. */
  poolsWithLocks: string[];
}

/**
 * graphile-worker's `force_unlock_workers` for these pools (pool ids since 0.17, worker ids in 0.16), in one
 * transaction that first locks and reads what they hold: the function returns nothing, and this is how a report
 * knows what it touched. Just before the unlock, in the same transaction, the companion's heartbeats are read
 * again: a pool that has come back (it had lost the database) is refused rather than released under its feet.
 * A job whose attempts the crashed try used up stays permanently failed after the unlock.
 * `knownGone`: pools this data folder's runner records know to be gone (their process exited): the hosted runner
 * heartbeats through the companion too, and a killed one's last heartbeat looks alive for three intervals, but
 * an exited process cannot come back.
 */
/** How long an unlock waits for a row another session holds before it gives up (and says so). */
export const UNLOCK_LOCK_TIMEOUT_MS = 5_000;

export async function forceUnlock(
  pool: pg.Pool,
  poolIds: string[],
  maxIds = 1000,
  knownGone: readonly string[] = [],
  lockTimeoutMs = UNLOCK_LOCK_TIMEOUT_MS,
): Promise<ForceUnlockResult> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    // A job row locked by another session (a long transaction, a stuck admin) must not hold this up for ever.
    await client.query(`select set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
    const jobs = await client.query<{ id: string; locked_by: string; exhausted: boolean }>(
      `select id::text as id, locked_by, attempts >= max_attempts as exhausted
       from graphile_worker._private_jobs where locked_by = any($1::text[]) order by id for update`,
      [poolIds],
    );
    const queues = await client.query<{ locked_by: string }>(
      `select locked_by from graphile_worker._private_job_queues where locked_by = any($1::text[]) for update`,
      [poolIds],
    );
    const gone = new Set(knownGone);
    const back = [...(await companionRows(client, poolIds))]
      .filter(([id]) => !gone.has(id))
      .map(([id, row]) => companionVerdict(id, row))
      .filter((v) => v.liveness === 'alive');
    if (back.length) throw aliveError(back);
    await client.query('select graphile_worker.force_unlock_workers($1::text[])', [poolIds]);
    await client.query('commit');
    const exhausted = jobs.rows.filter((r) => r.exhausted).length;
    return {
      jobsUnlocked: jobs.rowCount ?? 0,
      queuesUnlocked: queues.rowCount ?? 0,
      jobsRequeued: jobs.rows.length - exhausted,
      jobsExhausted: exhausted,
      jobIds: jobs.rows.slice(0, maxIds).map((r) => r.id),
      poolsWithLocks: [...new Set([...jobs.rows, ...queues.rows].map((r) => r.locked_by))].sort(),
    };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export const NOTHING_UNLOCKED: ForceUnlockResult = {
  jobsUnlocked: 0,
  queuesUnlocked: 0,
  jobsRequeued: 0,
  jobsExhausted: 0,
  jobIds: [],
  poolsWithLocks: [],
};
