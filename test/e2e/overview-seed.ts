import assert from 'node:assert/strict';
import { assertApart, boxes, type Box } from '../helpers/boxes.ts';
import type { Pool, QueryResultRow } from 'pg';
import type { Page } from 'playwright-core';
import type { WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import type { OverviewSnapshot } from '../../src/shared/model/overview.ts';

/**
 * What the overview's browser tests share: trouble of every kind with known timings, as crashed workers and time
 * leave it, and helpers to check positions and move between views.
 */
export async function seedTrouble(pool: Pool): Promise<void> {
  const q = <R extends QueryResultRow>(sql: string) => pool.query<R>(sql).then((r) => r.rows);
  // Trouble of every kind, with known timings, as crashed workers and time leave it.
  // A pool gone 40 minutes ago (no companion: judged from its lock age) holds 3 jobs of ot_held, one of them in the
  // named queue ot-lane, whose lock it holds too, with one job waiting behind it.
  await q(`select graphile_worker.add_job('ot_held', '{}'::json, job_key => 'held-' || i) from generate_series(1, 2) i`);
  await q(`select graphile_worker.add_job('ot_held', '{}'::json, queue_name => 'ot-lane', job_key => 'front')`);
  await q(
    `select graphile_worker.add_job('ot_held', '{}'::json, queue_name => 'ot-lane', job_key => 'behind', run_at => now() - interval '2 minutes')`,
  );
  await q(
    `update graphile_worker._private_jobs set locked_by = 'pool-90ne0e2e', attempts = 1, locked_at = now() - interval '40 minutes',
            run_at = now() - interval '45 minutes' where key like 'held-%' or key = 'front'`,
  );
  await q(
    `update graphile_worker._private_job_queues set locked_by = 'pool-90ne0e2e', locked_at = now() - interval '40 minutes' where queue_name = 'ot-lane'`,
  );
  // A task no worker runs: 3 due for 5 minutes, and 2 retries due for a minute (due (retry)), 1 not due yet.
  await q(`select graphile_worker.add_job('ot_orphan', '{}'::json, run_at => now() - interval '5 minutes') from generate_series(1, 3)`);
  await q(`select graphile_worker.add_job('ot_orphan', '{}'::json, job_key => 'retry-' || i) from generate_series(1, 3) i`);
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'Error: timeout', run_at = now() - interval '1 minute' where key in ('retry-1', 'retry-2')`,
  );
  await q(
    `update graphile_worker._private_jobs set attempts = 1, last_error = 'Error: timeout', run_at = now() + interval '30 minutes' where key = 'retry-3'`,
  );
  // Permanently failed, and a row whose created_at is a little ahead of the viewer's clock.
  await q(`select graphile_worker.add_job('ot_dead', '{}'::json, max_attempts => 2, job_key => 'dead')`);
  await q(
    `update graphile_worker._private_jobs set attempts = 2, last_error = 'Error: gave up', run_at = now() + interval '2 minutes' where key = 'dead'`,
  );
  await q(`select graphile_worker.add_job('ot_fresh', '{}'::json, run_at => now() + interval '1 hour', job_key => 'fresh')`);
  await q(`update graphile_worker._private_jobs set created_at = now() + interval '10 minutes' where key = 'fresh'`);
}

/** The boxes of every element matching `selector`, none overlapping another; returns them. */
export async function boxesApart(page: Page, selector: string, what: string): Promise<Box[]> {
  const found = await boxes(page, selector, (i) => `${what} ${i}`);
  assert.ok(found.length > 0, `${what}: nothing matches ${selector}`);
  assertApart(found, what);
  return found;
}

export const box = async (page: Page, selector: string): Promise<Box> => {
  const b = await page.locator(selector).first().boundingBox();
  assert.ok(b, `${selector} is not on screen`);
  return { name: selector, ...b };
};

/** The engine's latest snapshot once its trouble summary has found the gone pool. */
export const snapshotWithTrouble = (wc: WebConsole) =>
  waitFor(
    'the trouble summary',
    async () => {
      const r = (await wc.engine.call('overview.get', {})) as { ok: true; data: OverviewSnapshot | null };
      return r.data?.trouble?.gonePools.includes('pool-90ne0e2e') ? r.data : null;
    },
    30_000,
  );

export const text = async (page: Page, testId: string) => (await page.getByTestId(testId).innerText()).trim();
export const hashOf = (page: Page) => decodeURIComponent(new URL(page.url()).hash);

/** Goes to a route in the open page (a hash change, no reload), or opens the console there when none is open. */
export async function visit(wc: WebConsole, route: string): Promise<void> {
  if (!wc.page.url().startsWith('http')) return wc.open(route);
  await wc.page.evaluate((r) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = r;
  }, route);
}
