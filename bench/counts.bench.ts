/**
 * The overview's counts while 1,000,000 jobs change (issue 12, point 2: one read of the jobs where there were two).
 * Each round a worker's worth of changes lands (jobs taken, completed, failed, added), then the history watcher's
 * pass by transaction ids finds the changed id ranges, as it does anyway. The console's counts then read only those
 * ranges (RangeCounts); before, the monitor counted every job in a pass of its own. Printed: Postgres' time for the
 * watcher's pass plus each way of counting, on the same changes; each round also checks that the two counts agree.
 */
import assert from 'node:assert/strict';
import { countJobs, type CountResult } from '../src/engine/monitor/count-query.ts';
import { RangeCounts } from '../src/engine/monitor/range-counts.ts';
import { CHANGED_RANGES_SQL, parseRanges, xid32 } from '../src/engine/history/watch-scan.ts';
import { seed } from './stuck.bench.ts';
import { withSeededDatabase, median, postgresCpuMeter, type BenchResult } from './lib.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);

/**
 * A busy second of a pool of workers: 500 taken, the 500 taken before completed, 50 failing (told to wait 10 minutes,
 * so that none falls due between the two counts compared), 500 added. Taken by `order`: by id (a queue drained in
 * the order it was filled: the changes fall in few ranges), or by run_at (the seed's run_at cycle over ten minutes,
 * so the takes spread over the whole table: the worst case for reading ranges).
 */
const changes = (order: string) => [
  `delete from graphile_worker._private_jobs where locked_by = 'bench-pool'`,
  `update graphile_worker._private_jobs set locked_at = now(), locked_by = 'bench-pool', attempts = attempts + 1
   where id in (select id from graphile_worker._private_jobs where locked_at is null and attempts = 0 and run_at <= now()
                order by ${order} limit 500)`,
  `update graphile_worker._private_jobs set last_error = 'Error code: 429 - rate limited', attempts = attempts + 1,
     run_at = now() + interval '10 minutes'
   where id in (select id from graphile_worker._private_jobs where locked_at is null and attempts = 0 and run_at <= now()
                order by id desc limit 50)`,
  `insert into graphile_worker._private_jobs (task_id, payload, run_at, max_attempts)
   select (select min(id) from graphile_worker._private_tasks), '{}'::json, now(), 5 from generate_series(1, 500)`,
];

/** What the overview shows of a count, keys in order (the pools holding jobs come in the order rows did). */
const shown = (r: CountResult) =>
  JSON.stringify([r.snapshot.totals, r.snapshot.byTask, r.snapshot.byQueue], (key, value: unknown) =>
    key === 'oldestDueMs'
      ? undefined
      : value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
        : value,
  );

export default async function countsBench(): Promise<BenchResult[]> {
  return withSeededDatabase('counts', seed, async (pool) => {
    const cpu = await postgresCpuMeter(pool);
    const measure = async <T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> => {
      const cpu0 = cpu?.() ?? 0;
      const started = performance.now();
      const value = await fn();
      return { value, ms: performance.now() - started, cpuMs: (cpu?.() ?? 0) - cpu0 };
    };
    const ranges = new RangeCounts();
    const built = await measure(() => ranges.count(pool, 0));
    /** Rounds of changes taken in `order`, each refreshed both ways: Postgres' time per refresh, median. */
    const rounds = async (order: string) => {
      let since = BigInt((await pool.query<{ x: string }>('select txid_snapshot_xmin(txid_current_snapshot())::text as x')).rows[0].x);
      const detect: number[] = [];
      const byRanges: number[] = [];
      const full: number[] = [];
      const rangesRead: number[] = [];
      const rangesWall: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const sql of changes(order)) await pool.query(sql);
        // The watcher's own pass, made whichever way the console counts.
        const passAt = Date.now();
        const pass = await measure(() => pool.query<{ xmin: string; ranges: string | null }>(CHANGED_RANGES_SQL, [xid32(since)]));
        since = BigInt(pass.value.rows[0].xmin);
        const found = new Map(
          parseRanges(pass.value.rows[0].ranges).map(([b, jobs, touched]) => [Number(b), { jobs: Number(jobs), touched: touched !== '0' }]),
        );
        ranges.note({ kind: 'xmin', startedAt: passAt, ranges: found });
        const kept = await measure(() => ranges.count(pool, 0));
        const counted = await measure(() => countJobs(pool, new Date(0).toISOString()));
        assert.equal(shown(kept.value), shown(counted.value), `round ${round}: the counts kept per range equal a full count`);
        detect.push(pass.cpuMs || pass.ms);
        byRanges.push(kept.cpuMs || kept.ms);
        rangesWall.push(kept.ms);
        full.push(counted.cpuMs || counted.ms);
        rangesRead.push(kept.value.snapshot.rangesRead ?? NaN);
      }
      return { detect: median(detect), byRanges: median(byRanges), full: median(full), read: median(rangesRead), wall: median(rangesWall) };
    };
    const fifo = await rounds('id');
    const spread = await rounds('run_at, id');
    const unit = cpu ? 'Postgres CPU' : 'wall time';
    const result = (what: string, r: Awaited<ReturnType<typeof rounds>>): BenchResult => ({
      name: `counts while 1M jobs change (${what}): the watcher's pass + the ranges it found`,
      baseline: "the watcher's pass + a full count (two reads)",
      baselineMs: r.detect + r.full,
      candidateMs: r.detect + r.byRanges,
      notes:
        `${unit} per refresh, median of ${ROUNDS} rounds of ~1,550 changes: the pass ${r.detect.toFixed(0)} ms, the ranges ` +
        `${r.byRanges.toFixed(0)} ms (wall ${r.wall.toFixed(1)} ms; ${r.read} of ${built.value.snapshot.rangesRead} ranges read), a full count ${r.full.toFixed(0)} ms`,
    });
    return [
      result('taken in id order', fifo),
      {
        ...result('taken across the table', spread),
        notes: `${result('', spread).notes}; the first count of every range ${(built.cpuMs || built.ms).toFixed(0)} ms once`,
      },
    ];
  });
}
