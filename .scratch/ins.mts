import { rmSync } from 'node:fs';
import { openStore } from '/work/wt/sync/src/engine/store/db.ts';
import { attemptsRepo } from '/work/wt/sync/src/engine/history/attempts-repo.ts';
for (const variant of ['repo', 'plain', 'noerr']) {
  rmSync('/tmp/syncx/i.sqlite', { force: true }); rmSync('/tmp/syncx/i.sqlite-wal', { force: true });
  const db = openStore('/tmp/syncx/i.sqlite');
  const repo = attemptsRepo(db);
  const plain = db.prepare(`insert into failure_attempts (connection_id, job_id, generation, task, queue, attempt, max_attempts, at, error, error_type, duration_ms, pool_id, source, final) values (@connectionId, @jobId, @generation, @task, @queue, @attempt, @maxAttempts, @at, @error, @errorType, @durationMs, @poolId, 'watch', 0)`);
  const t = performance.now(); const now = Date.now();
  for (let b = 0; b < 100; b++) db.transaction(() => { for (let i = 0; i < 1000; i++) { const id = b * 10000 + i * 10; const r = { connectionId: 'b', jobId: id, generation: 1700000000, task: 'enrich_record', queue: null, attempt: 1 + id % 5, maxAttempts: 25, at: now - (id % 3600) * 1000, error: 'Error code: 429 - You exceeded your current quota, please check your plan and billing details', errorType: 'rate_limit', durationMs: null, poolId: null, final: false };
    if (variant === 'repo') repo.recordFromWatch(r); else plain.run({ ...r, final: 0 }); } })();
  console.log(variant, ((performance.now() - t) / 100000 * 1000).toFixed(1), 'us/row');
  db.close();
}
