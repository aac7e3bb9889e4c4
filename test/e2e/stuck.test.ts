import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { QueryResultRow } from 'pg';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { profileIdForUrl } from '../../src/engine/pg/connection-string.ts';
import { printSchemaSql } from '../../src/worker/schema.ts';

const skip = browserSkipReason();
let db: TestPostgres;
let wc: WebConsole | undefined;
const q = <R extends QueryResultRow>(sql: string, params: unknown[] = []) => db.pool.query<R>(sql, params).then((r) => r.rows);

/** The pid of a process that has exited: what Jobdeck's runner_pools holds after a crash. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

before(async () => {
  if (skip) return;
  db = await startTestPostgres();
  wc = await startWebConsole({ databaseUrl: db.connectionString, runner: false });
});
after(async () => {
  await wc?.close();
  await db?.close();
});

test(
  'the stuck view shows a crashed pool, a blocked queue, a task with no worker and failures; a judged pool is unlocked once confirmed',
  { skip: skip ?? false },
  (t) =>
    traced(t, wc, async (wc) => {
      // Another process's pool that died 40 minutes ago, holding a job and its named queue, three jobs behind it.
      await q(`select graphile_worker.add_job('summarize_student', '{}'::json, queue_name => 'student-42', job_key => 'held')`);
      await q(`select graphile_worker.add_job('summarize_student', '{}'::json, queue_name => 'student-42') from generate_series(1, 3)`);
      await q(
        `update graphile_worker._private_jobs set locked_by = 'pool-5ca1ab1e0042', locked_at = now() - interval '40 minutes', attempts = 1 where key = 'held'`,
      );
      await q(
        `update graphile_worker._private_job_queues set locked_by = 'pool-5ca1ab1e0042', locked_at = now() - interval '40 minutes' where queue_name = 'student-42'`,
      );
      // A pool of this Jobdeck whose process crashed after start-up recovery ran: exact, not judged.
      const pid = await deadPid();
      wc.engine.parts.db
        .prepare('insert into runner_pools (pool_id, connection_id, pid, started_at) values (?, ?, ?, ?)')
        .run('pool-0wnc0ffee001', profileIdForUrl(db.connectionString), pid, Date.now() - 600_000);
      await q(
        `select graphile_worker.add_job('news_insight', json_build_object('n', i), job_key => 'own-' || i) from generate_series(1, 2) i`,
      );
      await q(
        `update graphile_worker._private_jobs set locked_by = 'pool-0wnc0ffee001', locked_at = now() - interval '2 minutes', attempts = 1 where key like 'own-%'`,
      );
      // A task no worker supports, and permanently failed jobs with a hostile message.
      await q(
        `select graphile_worker.add_job('translate_posting', '{}'::json, run_at => now() - interval '7 minutes') from generate_series(1, 6)`,
      );
      await q(
        `select graphile_worker.add_job('news_insight', '{}'::json, max_attempts => 3, job_key => 'rl-' || i) from generate_series(1, 4) i`,
      );
      await q(
        `update graphile_worker._private_jobs set attempts = 3, last_error = '<img src=x onerror=alert(1)> Error code: 429 - Rate limit reached for gpt-4o-mini' || repeat(' trace', 20000) where key like 'rl-%'`,
      );

      // Two that failed on a context length, where retrying as is won't help.
      await q(
        `select graphile_worker.add_job('news_insight', '{}'::json, max_attempts => 1, job_key => 'ctx-' || i) from generate_series(1, 2) i`,
      );
      await q(
        `update graphile_worker._private_jobs set attempts = 1, last_error = 'Error code: 400 - This model''s maximum context length is 8192 tokens' where key like 'ctx-%'`,
      );

      await wc.open('#/stuck');
      const page = wc.page;
      await page.waitForSelector('[data-testid="stuck-pool-pool-5ca1ab1e0042"]');
      await page.waitForSelector('[data-testid="stuck-pool-pool-0wnc0ffee001"]');
      assert.match(
        (await page.textContent('[data-testid="stuck-pool-pool-5ca1ab1e0042"] [data-testid="pool-liveness"]')) ?? '',
        /probably gone · judged/,
      );
      assert.match(
        (await page.textContent('[data-testid="stuck-pool-pool-0wnc0ffee001"] [data-testid="pool-liveness"]')) ?? '',
        /Jobdeck · gone/,
      );
      assert.match((await page.textContent('[data-testid="blocked-queue-student-42"]')) ?? '', /3/);
      assert.match((await page.textContent('[data-testid="due-translate_posting"]')) ?? '', /No worker/);
      assert.match((await page.textContent('[data-testid="failed-news_insight-rate_limit"]')) ?? '', /Error code: 429/);
      assert.equal(await page.locator('img').count(), 0, 'the error text is rendered as text, never HTML');
      assert.equal(await page.textContent('[data-testid="stuck-count"] strong'), '3');
      // The sidebar's badge counts the jobs held up, each of them in a figure here: 3 locked too long, 3 behind
      // the blocked queue, 6 with no worker.
      assert.equal(await page.textContent('[data-testid="stuck-behind-count"] strong'), '3');
      assert.equal(await page.textContent('[data-testid="stuck-no-worker"] strong'), '6');
      await waitFor('the sidebar badge', async () => (await page.textContent('[data-testid="nav-stuck-badge"]')) === '12', 15_000);
      // The view scrolls inside the shell: a taller window shows every group in one picture.
      await page.setViewportSize({ width: 1440, height: 1500 });
      await wc.screenshot('stuck-view');

      // Retrying what will fail the same way is asked first; kept, nothing changes.
      await page.click('[data-testid="retry-failed-news_insight-context_length"]');
      const retryQuestion = page.locator('dialog[open]');
      await retryQuestion.getByText("retrying as is won't help", { exact: false }).waitFor();
      assert.match((await retryQuestion.textContent()) ?? '', /2 failed news_insight jobs/);
      await wc.screenshot('stuck-retry-failed-dialog');
      await retryQuestion.getByRole('button', { name: 'Close' }).click();
      await retryQuestion.waitFor({ state: 'detached' });
      const [stillFailed] = await q<{ n: number }>(
        `select count(*)::int as n from graphile_worker._private_jobs where key like 'ctx-%' and attempts >= max_attempts`,
      );
      assert.equal(stillFailed.n, 2);
      // A group whose type a retry may help is asked too (no one-click paid retries): its jobs that failed the same
      // way every time are left out, as the Jobs view's transient-only retry does.
      await page.click('[data-testid="retry-failed-news_insight-rate_limit"]');
      const transientQuestion = page.locator('dialog[open]');
      await transientQuestion.getByText('are left out and listed in the report', { exact: false }).waitFor();
      assert.equal(await transientQuestion.getByTestId('action-confirm').innerText(), 'Retry');
      await transientQuestion.getByRole('button', { name: 'Close' }).click();
      await transientQuestion.waitFor({ state: 'detached' });

      // A pool judged gone from its locks' age alone is unlocked once the operator says so: it might still run.
      await page.click('[data-testid="unlock-pool-pool-5ca1ab1e0042"]');
      const question = page.locator('dialog[open][data-testid="confirm-dialog"]');
      assert.match((await question.textContent()) ?? '', /Judged from its locks’ age alone.*could run twice/);
      await question.getByTestId('confirm-dialog-confirm').click();
      await page.waitForSelector('[data-testid="stuck-pool-pool-5ca1ab1e0042"]', { state: 'detached' });
      await page.waitForSelector('[data-testid="blocked-queue-student-42"]', { state: 'detached' });
      const [held] = await q<{ n: number }>(
        `select count(*)::int as n from graphile_worker._private_jobs where locked_by = 'pool-5ca1ab1e0042'`,
      );
      assert.equal(held.n, 0);
      await page.waitForSelector('.toast >> text=1 job and 1 queue unlocked');

      // Recover: this Jobdeck's own crashed pool is found and its jobs requeued.
      await page.click('[data-testid="stuck-recover"]');
      await page.waitForSelector('[data-testid="stuck-pool-pool-0wnc0ffee001"]', { state: 'detached' });
      await waitFor('the recovery note', async () =>
        /found 1 gone runner pool.*unlocked 2 jobs.*2 requeued/.test((await page.textContent('[data-testid="recovery-note"]')) ?? ''),
      );
      await wc.screenshot('stuck-view-after-unlock');
      const audit = wc.engine.parts.audit.list({ limit: 10 }).map((a) => a.action);
      assert.ok(audit.includes('stuck.unlock') && audit.includes('recovery.unlock'));
    }),
);

test(
  'a worker known gone by its heartbeat shows as such, with host and pid; automatic recovery is turned on in the view',
  { skip: skip ?? false },
  (t) =>
    traced(t, wc, async (wc) => {
      // A companion worker's row whose heartbeat stopped a minute ago, holding a job (the rest of the suite runs
      // real worker processes; the view only needs what they leave behind).
      await q(printSchemaSql({ grants: false }));
      await q(
        `insert into jobdeck.workers (pool_id, host, pid, concurrency, heartbeat_interval_ms, last_heartbeat_at)
         values ('pool-dead00beat01', 'worker-7.internal', 4242, 4, 5000, now() - interval '1 minute')`,
      );
      await q(`select graphile_worker.add_job('enrich_record', '{}'::json, job_key => 'beat-held')`);
      await q(
        `update graphile_worker._private_jobs set locked_by = 'pool-dead00beat01', locked_at = now() - interval '70 seconds', attempts = 1 where key = 'beat-held'`,
      );
      await wc.open('#/stuck');
      const page = wc.page;
      const group = '[data-testid="stuck-pool-pool-dead00beat01"]';
      await page.waitForSelector(group);
      assert.match((await page.textContent(`${group} [data-testid="pool-liveness"]`)) ?? '', /^gone · heartbeat$/);
      assert.match((await page.textContent(group)) ?? '', /No heartbeat for \d+ s.*host worker-7\.internal, pid 4242/);

      const toggle = page.getByTestId('auto-recovery');
      assert.equal(await toggle.isChecked(), false, 'off by default');
      await toggle.click(); // a controlled box: it changes once the engine has saved the setting
      await waitFor('automatic recovery to be on', async () => {
        const r = await wc.engine.call('recovery.settings', {});
        return r.ok && (r.data as { autoUnlockGone: boolean }).autoUnlockGone;
      });
      await waitFor('the box to show it on', () => toggle.isChecked());
      // On: the gone worker's job is unlocked without another click, and the view follows.
      await page.waitForSelector(group, { state: 'detached', timeout: 30_000 });
      await waitFor('the recovery note', async () =>
        /Automatically.*1 worker pool known gone/.test((await page.textContent('[data-testid="recovery-note"]')) ?? ''),
      );
      assert.ok(wc.engine.parts.audit.list({ limit: 5 }).some((a) => a.action === 'recovery.auto'));
      await toggle.click();
      await waitFor('automatic recovery to be off', async () => {
        const r = await wc.engine.call('recovery.settings', {});
        return r.ok && !(r.data as { autoUnlockGone: boolean }).autoUnlockGone;
      });
      await q(`delete from graphile_worker._private_jobs where key = 'beat-held'`);
      await q(`delete from jobdeck.workers where pool_id = 'pool-dead00beat01'`);
    }),
);
