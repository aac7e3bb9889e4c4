import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { installDemoSchema } from '../../src/engine/demo/schema.ts';

const skip = browserSkipReason();
let web: WebConsole | undefined;
let db: TestPostgres;
const ORPHANS = 18;

const QUERY = `select e.id from jobdeck_demo.news_events e
where not exists (select 1 from jobdeck_demo.event_insights i where i.event_id = e.id)
order by e.id`;

/** News events with neither an insight nor a job: what a backfill must find, counted independently. */
async function orphans(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from jobdeck_demo.news_events e
      where not exists (select 1 from jobdeck_demo.event_insights i where i.event_id = e.id)
        and not exists (select 1 from graphile_worker._private_jobs j where j.key = 'generate_insight:' || e.id)`,
  );
  return rows[0].n;
}

const figure = async (id: string) =>
  Number((await web!.page.getByTestId(id).locator('.bf-figure-value').innerText()).replace(/[^\d]/g, ''));

// Each test starts from the same database and a console of its own: it runs alone and in any order.
beforeEach(async () => {
  if (skip) return;
  // The demo's tables in a database of our own: 40 news events, 12 with an insight, 10 with a job, 18 with neither.
  db = await startTestPostgres();
  await installDemoSchema(db.pool);
  await db.pool.query(
    `insert into jobdeck_demo.news_events (id, title, body) select i, 'Event ' || i, 'Body' from generate_series(1, 40) i`,
  );
  await db.pool.query(
    `insert into jobdeck_demo.event_insights (event_id, insight, model) select i, '{}', 'm' from generate_series(1, 12) i`,
  );
  await db.pool.query(
    `select graphile_worker.add_job('generate_insight', json_build_object('eventId', i), job_key => 'generate_insight:' || i) from generate_series(13, 22) i`,
  );
  web = await startWebConsole({ databaseUrl: db.connectionString, runner: false });
});
afterEach(async () => {
  await web?.close();
  await db?.close();
  web = undefined;
});

/** The rule the first test creates on screen, saved through the engine for the tests that need one to exist. */
async function saveRule(web: WebConsole): Promise<void> {
  const saved = await web.engine.call('backfill.save', {
    rule: { name: 'News events without an insight', query: QUERY, task: 'generate_insight', payloadKey: 'eventId', batchSize: 5 },
  });
  assert.ok(saved.ok, JSON.stringify(saved));
}

test('create a rule, preview it, run it, from the browser', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open('#/backfill');
    await page.getByTestId('nav-backfill').waitFor();
    await page.getByTestId('bf-new-rule').click();
    await page.getByTestId('bf-name').fill('News events without an insight');
    await page.getByTestId('bf-query').fill(QUERY);
    await page.getByTestId('bf-task').fill('generate_insight');
    await page.getByTestId('bf-payload-key').fill('eventId');
    await page.getByTestId('bf-batch').fill('5');

    const expected = await orphans();
    assert.equal(expected, ORPHANS);
    await page.getByTestId('bf-preview').click();
    await page.getByTestId('backfill-preview').waitFor();
    assert.equal(await figure('preview-figures-fresh'), expected, 'the preview counts the items with neither output nor job');
    assert.ok((await figure('preview-figures-missing')) >= expected);
    await page.getByTestId('preview-figures').scrollIntoViewIfNeeded();
    await web.screenshot('backfill-preview');

    await page.getByTestId('bf-save').click();
    const list = page.getByTestId('backfill-rules');
    await list.getByText('News events without an insight').waitFor();
    const listed = await web.engine.call('backfill.list', {});
    assert.ok(listed.ok && (listed.data as { batchSize: number }[])[0]?.batchSize === 5, 'the rule was saved with its batch size');

    // A slip in "Queue at most" is named where the button greys out, and nothing is queued.
    for (const typed of ['0', '-1', 'abc', '99999999', '']) {
      await page.getByTestId('bf-run-limit').fill(typed);
      await page.getByTestId('bf-run-problem').getByText('a whole number from 1 to 10,000').waitFor();
      assert.equal(await page.getByTestId('bf-run').isDisabled(), true, `${JSON.stringify(typed)} cannot be queued`);
    }
    await page.getByTestId('bf-run-limit').fill('5');
    await page.getByTestId('bf-run-problem').waitFor({ state: 'detached' });
    await page.getByTestId('bf-run').click();
    // Know the bill before acting: the confirmation says what the task's LLM usage would cost (none recorded here).
    await page.locator('dialog[open] [data-testid="usage-estimate"]').getByText('no usage recorded for this task yet').waitFor();
    await page.locator('dialog[open] [data-testid="confirm-dialog-confirm"]').click();
    const result = page.getByTestId('bf-run-result');
    await result.waitFor({ timeout: 15_000 });
    const queuedNow = Math.min(5, expected);
    assert.match(await result.innerText(), new RegExp(`needed output, ${queuedNow} queued`));
    assert.equal(await orphans(), expected - queuedNow, 'exactly that many items got a job');
    // The backfill for items given by key: event 40 lacks its insight, event 1 has one.
    await page.getByTestId('bf-run-keys').fill('40, 1');
    await page.getByTestId('bf-run').getByText('Queue for 2 items').waitFor();
    await page.getByTestId('bf-run').click();
    await page.locator('dialog[open] [data-testid="confirm-dialog-confirm"]').click();
    await result.getByText('1 of the 2 key(s) given are not among the items lacking output').waitFor();
    assert.match(await result.innerText(), /, 1 queued/);
    assert.equal(await orphans(), expected - queuedNow - 1, 'event 40 got its job, event 1 none');
    // The run log shows the run.
    await page.getByTestId('backfill-history').getByText('run', { exact: true }).first().waitFor();
    await web.screenshot('backfill-run');
    // A preview of the saved rule adds a point to its backlog history.
    await page.getByTestId('bf-preview').click();
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll(
          '[data-testid="backfill-chart"] .recharts-line-dot',
        ).length >= 2,
      undefined,
      { timeout: 10_000 },
    );
    await page.getByTestId('backfill-chart').scrollIntoViewIfNeeded();
    await web.screenshot('backfill-chart');

    // A run while that preview is on show reads it again: it no longer counts as "no job yet" what the run queued.
    const freshBefore = await figure('preview-figures-fresh');
    await page.getByTestId('bf-run-keys').fill('');
    await page.getByTestId('bf-run').click();
    await page.locator('dialog[open] [data-testid="confirm-dialog-confirm"]').click();
    const queuedAgain = Math.min(5, freshBefore);
    await page.waitForFunction(
      (want) => {
        const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
        const text = doc.querySelector('[data-testid="preview-figures-fresh"] .bf-figure-value')?.textContent ?? '';
        return Number(text.replace(/[^\d]/g, '')) === want;
      },
      freshBefore - queuedAgain,
      { timeout: 10_000 },
    );
  }),
);

test('a rule that writes is refused on screen and changes nothing', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open('#/backfill');
    const before = await orphans();
    await page.getByTestId('bf-new-rule').click();
    await page.getByTestId('bf-name').fill('Hostile');
    await page.getByTestId('bf-query').fill(`with d as (delete from jobdeck_demo.news_events returning id) select id from d`);
    await page.getByTestId('bf-task').fill('generate_insight');
    await page.getByTestId('bf-payload-key').fill('eventId');
    await page.getByTestId('bf-preview').click();
    const error = page.getByTestId('bf-error');
    await error.waitFor();
    assert.match(await error.innerText(), /refused/);
    assert.equal(await orphans(), before);
    await web.screenshot('backfill-refused');
  }),
);

test('rules import from a JSON file and export back', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await saveRule(web);
    await web.open('#/backfill');
    await page.getByTestId('backfill-rules').getByText('News events without an insight').waitFor();
    const exported = await web.engine.call('backfill.export', {});
    assert.ok(exported.ok);
    const doc = exported.data as { rules: { id?: string; name: string }[] };
    const copy = { ...doc, rules: doc.rules.map(({ id: _id, ...r }) => ({ ...r, name: 'Imported copy' })) };
    await page
      .getByTestId('bf-import-file')
      .setInputFiles({ name: 'rules.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(copy)) });
    await page.getByTestId('backfill-rules').getByText('Imported copy').waitFor();
    // A file that fails validation is refused as a whole, with the reason.
    const bad = { ...copy, rules: [{ ...copy.rules[0], name: 'Bad', batchSize: 0 }] };
    await page
      .getByTestId('bf-import-file')
      .setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
    await page.getByText(/Could not import the rules/).waitFor();
    const listed = await web.engine.call('backfill.list', {});
    assert.ok(listed.ok);
    assert.deepEqual((listed.data as { name: string }[]).map((r) => r.name).sort(), ['Imported copy', 'News events without an insight']);
    await web.screenshot('backfill-import');
  }),
);
