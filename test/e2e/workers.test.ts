import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import type { QueryResultRow } from 'pg';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import type { WorkerInfo, WorkersList } from '../../src/shared/model/workers.ts';

// `npm run serve -- --demo`: the console's hosted runner and the demo's second worker, a separate Node process
// with the companion. The Workers view lists both; the operator cancels a running job of the other process from
// the view, and it ends cancelled, not retried; a worker that does not answer is said so plainly.

const skip = browserSkipReason();
let web: WebConsole | undefined;
/** The demo worker process, once known: resumed whatever happens, so the console can stop it. */
let demoPid: number | null = null;

before(async () => {
  if (skip) return;
  web = await startWebConsole({ demo: true, runner: true, concurrency: 2, depthSampleMs: 1000, demoWorker: {} });
});
after(async () => {
  if (demoPid) process.kill(demoPid, 'SIGCONT');
  await web?.close();
});

const q = <R extends QueryResultRow>(sql: string, params: unknown[] = []) =>
  web!.engine.parts.sessions
    .require()
    .pool.query<R>(sql, params)
    .then((r) => r.rows);

async function workers(): Promise<WorkersList> {
  const result = await web!.engine.call('workers.list', {});
  if (!result.ok) throw new Error(result.error.message);
  return result.data as WorkersList;
}

/** A long report for the demo worker (it alone runs draft_report), first in line; resolves once it runs there. */
async function longReport(poolId: string, title: string): Promise<string> {
  const [job] = await q<{ id: string }>(
    `select id::text as id from graphile_worker.add_job('draft_report', json_build_object('title', $1::text, 'sections', 500),
       priority => -10, max_attempts => 3)`,
    [title],
  );
  await waitFor(
    `job ${job.id} running in the demo worker`,
    async () => (await q(`select 1 from graphile_worker._private_jobs where id = $1 and locked_by = $2`, [job.id, poolId])).length > 0,
    30_000,
  );
  return job.id;
}

/** The reports must run until cancelled: no failure drawn by the simulated provider. */
async function noSimulatedFailures(web: WebConsole): Promise<void> {
  await web.engine.call('demo.update', { mix: { quota: 0, timeout: 0, invalidJson: 0, missingFields: 0, serverError: 0 } });
}

/**
 * A long report running in the demo's worker process (found alive, its pid kept to be resumed whatever happens),
 * with no simulated failure to end it, and the Workers view open.
 */
async function reportInDemoWorker(web: WebConsole, title: string): Promise<{ other: WorkerInfo; id: string }> {
  await noSimulatedFailures(web);
  const other = await waitFor('the demo worker process', async () =>
    (await workers()).workers.find((w) => w.source === 'companion' && w.liveness === 'alive'),
  );
  demoPid = other.pid;
  const id = await longReport(other.poolId, title);
  await web.open('#/workers');
  return { other, id };
}

const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
] as const;

/** The view at both window sizes, in the dark and light schemes (the console is dark-only: both must read well). */
async function screenshots(web: WebConsole, name: string): Promise<void> {
  for (const size of SIZES) {
    await web.page.setViewportSize(size);
    for (const colorScheme of ['dark', 'light'] as const) {
      await web.page.emulateMedia({ colorScheme });
      await web.screenshot(`${name}-${size.width}x${size.height}-${colorScheme}`);
    }
  }
  await web.page.emulateMedia({ colorScheme: 'dark' });
  await web.page.setViewportSize(SIZES[0]);
}

test(
  'the Workers view lists a separate worker process with the companion and the hosted runner; the operator cancels its running job',
  { skip: skip ?? false },
  (t) =>
    traced(t, web, async (web) => {
      const { page } = web;
      await noSimulatedFailures(web);
      const both = await waitFor(
        'the hosted runner and the demo worker process',
        async () => {
          const list = await workers();
          const hosted = list.workers.find((w) => w.source === 'hosted');
          const other = list.workers.find((w) => w.source === 'companion' && w.liveness === 'alive');
          return hosted && other ? { hosted, other } : null;
        },
        60_000,
      );
      const other: WorkerInfo = both.other;
      demoPid = other.pid;
      assert.notEqual(other.pid, process.pid, 'a process of its own');
      const id = await longReport(other.poolId, 'Quarterly digest');

      await web.open('#/workers');
      const row = page.getByTestId(`worker-${other.poolId}`);
      const line = row.getByTestId(`running-${id}`);
      await line.waitFor();
      // The other process, as it reports itself: host, pid, version, concurrency, tasks, heartbeat, what it runs.
      assert.equal(await row.getAttribute('data-source'), 'companion');
      assert.equal(await row.getByTestId('worker-liveness').innerText(), 'alive');
      assert.equal(await row.getByTestId('worker-host').innerText(), `${other.host} · ${other.pid}`);
      assert.match(await row.getByTestId('worker-version').innerText(), /^graphile-worker \d+\.\d+\.\d+/);
      assert.equal(await row.getByTestId('worker-concurrency').innerText(), '3');
      assert.equal(await row.getByTestId('worker-tasks').innerText(), '2 tasks: draft_report, summarize');
      // Each task name opens that task's jobs, in the row and on its running job's line.
      assert.equal(
        await row.getByTestId('worker-tasks').getByRole('link', { name: 'summarize' }).getAttribute('href'),
        '#/jobs?task=summarize',
      );
      assert.equal(await line.getByRole('link', { name: 'draft_report' }).getAttribute('href'), '#/jobs?task=draft_report');
      assert.match(await row.getByTestId('worker-heartbeat').innerText(), /^heartbeat (just now|\d+ s ago)$/);
      assert.match(await line.innerText(), new RegExp(`#${id}\\s+draft_report\\s+(now|\\d+ s)\\s+Cancel`));
      // This console's runner, next to it.
      const hosted = page.getByTestId(`worker-${both.hosted.poolId}`);
      assert.equal(await hosted.getAttribute('data-source'), 'hosted');
      assert.equal(await hosted.getByTestId('worker-host').innerText(), `${os.hostname()} · ${process.pid}`);
      assert.equal(await hosted.getByTestId('worker-concurrency').innerText(), '2');
      assert.match(await hosted.getByTestId('worker-tasks').innerText(), /generate_insight/);
      await screenshots(web, 'workers-view');

      // Its page says who runs it and offers Cancel too.
      await line.getByRole('link', { name: `#${id}` }).click();
      await page.getByTestId('job-running-companion').waitFor();
      assert.match(await page.getByTestId('job-running-companion').innerText(), new RegExp(`${other.poolId}\\): Cancel asks it to stop`));
      assert.equal(await page.getByTestId('job-action-cancel').isDisabled(), false);
      await web.screenshot('job-detail-running-companion');
      // Its Cancel is one of a job seen running: should it fail for good before the click, it is left as it is.
      await page.getByTestId('job-action-cancel').click();
      await page.getByTestId('action-keep-failed').waitFor();
      assert.match(
        await page.getByTestId('action-keep-failed').innerText(),
        /should it fail for good before you confirm, it is left as it is/,
      );
      await page.getByTestId('action-dialog').getByRole('button', { name: 'Close' }).click();
      await page.getByTestId('action-dialog').waitFor({ state: 'detached' });
      await web.open('#/workers');
      await line.waitFor();

      // Cancel, confirmed: the worker aborts the job, which ends cancelled; the view says so and the job leaves it.
      await line.getByTestId(`cancel-${id}`).click();
      const dialog = page.locator('dialog[open]');
      await dialog.waitFor();
      assert.match(await dialog.innerText(), new RegExp(`Cancel job #${id}\\?[\\s\\S]*draft_report, running for[\\s\\S]*${other.poolId}`));
      await web.screenshot('workers-cancel-confirm');
      await page.locator('dialog[open]').getByTestId('confirm-dialog-confirm').click();
      const outcome = page.getByTestId(`cancel-outcome-${id}`);
      await outcome.waitFor({ timeout: 20_000 });
      assert.equal(await outcome.getAttribute('data-kind'), 'cancelled');
      assert.match(await outcome.innerText(), new RegExp(`Job #${id} \\(draft_report\\) cancelled[\\s\\S]*will not be retried`));
      await line.waitFor({ state: 'detached' });
      assert.deepEqual(await q(`select id from graphile_worker._private_jobs where id = $1`, [id]), [], 'gone: nothing to retry');
      const attempts = await waitFor('the attempt the worker recorded', async () => {
        const rows = await q(`select attempt, outcome, pool_id from jobdeck.attempts where job_id = $1`, [id]);
        return rows.length ? rows : null;
      });
      assert.deepEqual(
        attempts,
        [{ attempt: 1, outcome: 'cancelled', pool_id: other.poolId }],
        'one attempt, cancelled: not failed, not retried',
      );
      const detail = await web.engine.call('jobs.get', { id });
      assert.ok(detail.ok);
      assert.deepEqual([(detail.data as { snapshotState: string }).snapshotState], ['cancelled']);
      await screenshots(web, 'workers-view-cancelled');
    }),
);

test('a Cancel dialog left open while its job ends says so; confirming then changes nothing and says why', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    const { id } = await reportInDemoWorker(web, 'Weekly digest');
    const line = page.getByTestId(`running-${id}`);
    await line.waitFor();
    await line.getByTestId(`cancel-${id}`).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    assert.equal(await dialog.getByTestId('cancel-no-longer-listed').count(), 0, 'listed as running when opened');
    // It ends while the operator reads (another operator's cancel, through the same operation).
    const ended = await web.engine.call('jobs.cancel', { target: { ids: [id] } });
    assert.ok(ended.ok && (ended.data as { affected: number }).affected === 1, JSON.stringify(ended));
    await dialog.getByTestId('cancel-no-longer-listed').waitFor({ timeout: 15_000 });
    assert.doesNotMatch(await dialog.innerText(), /running for/, 'no running time ticking on for a job that ended');
    await web.screenshot('workers-cancel-no-longer-listed');
    await dialog.getByTestId('confirm-dialog-confirm').click();
    const outcome = page.getByTestId(`cancel-outcome-${id}`);
    await outcome.waitFor({ timeout: 20_000 });
    assert.equal(await outcome.getAttribute('data-kind'), 'refused');
    assert.match(await outcome.innerText(), /not cancelled[\s\S]*Not found: it already completed or was removed/);
    const audit = await web.engine.call('audit.list', { limit: 1 });
    assert.ok(audit.ok);
    const [entry] = audit.data as { action: string; affected: number }[];
    assert.deepEqual([entry.action, entry.affected], ['jobs.cancel', 0], 'the second cancel changed nothing');
  }),
);

test('queueing a task no live reporting worker runs is said while it is typed, before anything is queued', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await waitFor('the hosted runner and the demo worker process reporting', async () => {
      const list = await workers();
      return list.workers.filter((w) => w.source !== 'watched' && w.liveness === 'alive').length >= 2 || null;
    });
    await web.open('#/jobs');
    await page.getByTestId('queue-open').click();
    await page.getByTestId('queue-task').fill('summarise_typo');
    const hint = page.getByTestId('queue-task-unserved');
    await hint.waitFor();
    assert.match(await hint.innerText(), /^None of the \d+ live workers with the companion runs summarise_typo: the job waits/);
    await web.screenshot('queue-task-unserved');
    // A task they run: nothing to say.
    await page.getByTestId('queue-task').fill('summarize');
    await hint.waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
  }),
);

test(
  'a worker that does not answer: pending while the console waits, then "no live worker acknowledged within 10 s"',
  { skip: skip ?? false },
  (t) =>
    traced(t, web, async (web) => {
      const { page } = web;
      const { other, id } = await reportInDemoWorker(web, 'Annual review');
      const line = page.getByTestId(`running-${id}`);
      await line.waitFor();

      process.kill(other.pid!, 'SIGSTOP');
      try {
        await line.getByTestId(`cancel-${id}`).click();
        await page.locator('dialog[open]').getByTestId('confirm-dialog-confirm').click();
        // Waiting for the worker: on the job's line and above the table.
        await line.getByTestId('cancel-pending').waitFor();
        await page.getByTestId(`cancel-waiting-${id}`).waitFor();
        await web.screenshot('workers-cancel-pending');
        const outcome = page.getByTestId(`cancel-outcome-${id}`);
        await outcome.waitFor({ timeout: 30_000 });
        assert.equal(await outcome.getAttribute('data-kind'), 'unanswered');
        assert.match(
          await outcome.innerText(),
          new RegExp(
            `no answer from its worker[\\s\\S]*No live worker acknowledged within 10 s: its worker \\(${other.poolId}\\)[\\s\\S]*The request stays`,
          ),
        );
        assert.equal(await line.getByTestId(`cancel-${id}`).isVisible(), true, 'still running, and the button is back');
        await screenshots(web, 'workers-view-unanswered');
      } finally {
        process.kill(other.pid!, 'SIGCONT');
      }
      // Back, the worker honours the request it missed: the job ends cancelled and leaves the view.
      await line.waitFor({ state: 'detached', timeout: 30_000 });
      const [request] = await q<{ outcome: string }>(`select outcome from jobdeck.cancel_requests where job_id = $1`, [id]);
      assert.ok(request, 'the request stayed for the worker to find');
    }),
);

test(
  'a worker that is gone: its jobs read as held, not running, with no Cancel, and its uptime ends at its last heartbeat',
  { skip: skip ?? false },
  (t) =>
    traced(t, web, async (web) => {
      const { page } = web;
      const { other, id } = await reportInDemoWorker(web, 'Quarterly review');
      const row = page.getByTestId(`worker-${other.poolId}`);
      await row.getByTestId(`running-${id}`).waitFor();

      // Frozen, it sends no heartbeat: three intervals late, it is gone (as after a SIGKILL, but it can come back).
      process.kill(other.pid!, 'SIGSTOP');
      try {
        await row.getByTestId('worker-held-note').waitFor({ timeout: 40_000 });
        assert.equal(await row.getByTestId('worker-liveness').innerText(), 'gone');
        assert.match(await row.getByTestId('worker-held-note').innerText(), /Held, not running: this worker is gone/);
        assert.equal(await row.getByTestId(`cancel-${id}`).isDisabled(), true, 'nothing would answer a cancel');
        assert.match(await row.getByTestId(`running-${id}`).getByTestId('running-age').innerText(), /^held /);
        assert.match(await row.getByTestId('worker-uptime').innerText(), /^ran \d+ (s|min|h)$/);
        await screenshots(web, 'workers-view-gone');
      } finally {
        process.kill(other.pid!, 'SIGCONT');
      }
      // Back, it heartbeats again: alive, and its job runs on.
      await row.getByTestId('worker-held-note').waitFor({ state: 'detached', timeout: 30_000 });
      await web.engine.call('jobs.cancel', { target: { ids: [id] } });
    }),
);

test(
  "a running job of the other process cancelled from its own page: the page follows it to its end and its worker's account",
  { skip: skip ?? false },
  (t) =>
    traced(t, web, async (web) => {
      const { page } = web;
      const { other, id } = await reportInDemoWorker(web, 'Board pack');
      await web.open(`#/jobs/${id}`);
      await page.getByTestId('job-action-cancel').click();
      await page.getByTestId('action-confirm').click();
      await page.getByTestId('action-report').waitFor({ timeout: 30_000 });
      await page.getByTestId('action-close').click();
      // Without a click on Refresh: the job leaves the queue at once, its worker's account comes a moment later.
      const facts = page.getByTestId('job-facts');
      await facts.getByText('Last run by').waitFor({ timeout: 30_000 });
      const text = await facts.innerText();
      assert.match(text, new RegExp(`Last run by\\s+${other.poolId.replace(/^pool-/, '').slice(0, 8)}[\\s\\S]*reported by the companion`));
      assert.match(text, /Retry verdict\s+none: it was cancelled/);
      assert.equal(await page.getByTestId('job-detail').getAttribute('data-state'), 'cancelled');
      await web.screenshot('job-cancelled-running-elsewhere');
    }),
);

test("this console's runner: its line lists, live, exactly the jobs the top bar counts", { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    const hosted = await waitFor('the hosted runner', async () => (await workers()).workers.find((w) => w.source === 'hosted'));
    await web.open('#/workers');
    await page.getByTestId(`worker-${hosted.poolId}`).waitFor();
    // Read in one go from the page, as an operator sees them side by side. Its demo jobs take about a second each:
    // a list read every few seconds (the other workers') would disagree with the count most of the time.
    type SideBySide = { bar: string | null; listed: number | null };
    const sideBySide = () =>
      page.evaluate<SideBySide>(`(() => {
          const row = document.querySelector('[data-testid="worker-${hosted.poolId}"]');
          return { bar: document.querySelector('.runner-jobs')?.textContent ?? null, listed: row ? row.querySelectorAll('li.worker-job').length : null };
        })()`);
    // Sampled until jobs were seen running in it a few times, then compared: every sample must agree.
    const seen: SideBySide[] = [];
    const ran = () => seen.filter((s) => (s.listed ?? 0) > 0).length;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (seen.length < 20 || ran() < 5)) {
      seen.push(await sideBySide());
      await page.waitForTimeout(150);
    }
    assert.ok(ran() >= 5, `jobs ran in the hosted runner: ${JSON.stringify(seen)}`);
    const apart = seen.filter((s) => s.bar !== `${s.listed}/2`);
    assert.deepEqual(apart, [], `the top bar and the runner's line agree in all ${seen.length} samples`);
  }),
);
