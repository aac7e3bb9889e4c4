import { rmSync } from 'node:fs';
import { openStore } from '/work/wt/sync/src/engine/store/db.ts';
import { MIGRATIONS } from '/work/wt/sync/src/engine/store/migrations/index.ts';
import { failureRollup } from '/work/wt/sync/src/engine/history/failure-rollup.ts';
const run = (variant: string) => {
  rmSync('/tmp/syncx/i.sqlite', { force: true }); rmSync('/tmp/syncx/i.sqlite-wal', { force: true });
  const db = openStore('/tmp/syncx/i.sqlite', variant === 'trigger' ? { migrations: MIGRATIONS.filter((m) => m.id < 16) } : {});
  if (variant === 'small-cache') db.pragma('cache_size = -2000');
  const fold = variant === 'trigger' ? null : failureRollup(db);
  const plain = db.prepare(`insert into failure_attempts (connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error, error_type, duration_ms, pool_id, source, final) values (@connectionId, @jobId, @generation, @task, @queue, @attempt, @maxAttempts, @at, @error, @errorType, @durationMs, @poolId, 'watch', 0)`);
  const t = performance.now(); const now = Date.now();
  for (let b = 0; b < 100; b++) db.transaction(() => { for (let i = 0; i < 1000; i++) { const id = b * 10000 + i * 10; const r = { connectionId: 'b', jobId: id, generation: 1700000000, task: ['a','b','c'][id % 3], queue: null, attempt: 1 + id % 5, maxAttempts: 25, at: now - (id * 7919 % 360000) * 1000, error: 'Error code: 429 - You exceeded your current quota, please check your plan and billing details', errorType: 'rate_limit', durationMs: null, poolId: null };
    plain.run(r); } fold?.fold(); })();
  const ms = performance.now() - t;
  db.close();
  return ms;
};
for (let k = 0; k < 2; k++) for (const v of ['trigger', 'fold', 'small-cache']) console.log(v, (run(v) / 100).toFixed(1), 'us/row');
