import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkipReason, startWebConsole, traced, type WebConsole } from '../helpers/browser.ts';
import { waitFor } from '../helpers/engine.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// Issue 14.5: set an alert rule and a webhook in the Alerts view, see the alert fire in the list (with its
// delivery to a real local receiver) and its count beside the sidebar link; a metadata URL is refused in place.

const skip = browserSkipReason();
let db: TestPostgres | undefined;
let receiver: WebhookReceiver | undefined;
let web: WebConsole | undefined;

before(async () => {
  if (skip) return;
  db = await startTestPostgres();
  receiver = await startWebhookReceiver();
  await db.pool.query(`select graphile_worker.add_job('e2e_backlog', '{}'::json) from generate_series(1, 5)`);
  // Evaluated every half second, so the rule fires soon after it is saved.
  web = await startWebConsole({ databaseUrl: db.connectionString, runner: false, alerts: { evaluateEveryMs: 500 } });
});
after(async () => {
  await web?.close();
  await receiver?.close();
  await db?.close();
});

test('set an alert rule in the Alerts view and see the alert fire in the list, delivered to the webhook', { skip: skip ?? false }, (t) =>
  traced(t, web, async (web) => {
    const { page } = web;
    await web.open('#/alerts');
    await page.getByTestId('alerts-while-running').getByText('while it runs').waitFor();

    // A metadata address is refused with the reason, and nothing is saved.
    const url = page.getByTestId('alert-webhook-url');
    await url.fill('http://169.254.169.254/latest/meta-data/');
    await page.getByTestId('alert-webhook-save').click();
    // Under the field it refuses, not at the card's foot.
    await page.getByTestId('alert-webhook-field').getByTestId('alert-channels-error').getByText('link-local').waitFor();
    // Typing another address takes the refusal away (it stood beside a later test's "Delivered"); the saved
    // address shows once the save is done.
    await url.fill(receiver!.url);
    await page.getByTestId('alert-channels-error').waitFor({ state: 'detached' });
    await page.getByTestId('alert-webhook-save').click();
    await waitFor('the saved address', async () => ((await url.getAttribute('placeholder')) ?? '').endsWith('(saved)'));
    assert.match((await url.getAttribute('placeholder')) ?? '', /^http:\/\/127\.0\.0\.1:\d+\/… \(saved\)$/);

    // Web mode has no desktop to notify: the channel is off and cannot be turned on or tested here.
    assert.deepEqual(
      [await page.getByTestId('alert-desktop').isChecked(), await page.getByTestId('alert-desktop').isDisabled()],
      [false, true],
    );
    // A refused quiet period says what it takes; typing another value takes the refusal away.
    const quiet = page.getByTestId('alert-quiet');
    const saved = await quiet.inputValue();
    await quiet.fill('-5');
    await page.getByTestId('alert-quiet-save').click();
    await page.getByTestId('alert-channels-error').getByText('at least 1 minute').waitFor();
    assert.equal(await page.getByTestId('alert-webhook-field').getByTestId('alert-channels-error').count(), 0);
    await quiet.fill(saved);
    await page.getByTestId('alert-channels-error').waitFor({ state: 'detached' });

    // A backlog rule: more than 2 waiting jobs of the task, at once.
    const form = page.getByTestId('alert-rule-form');
    // A failure-rate rule's error type is one of the taxonomy's types, chosen from a list (a typed slug could name none).
    await form.getByTestId('alert-rule-kind').selectOption('failure_rate');
    const types = await form.getByTestId('alert-rule-error-type').locator('option').allInnerTexts();
    assert.equal(types[0], 'All failures');
    assert.ok(types.includes('Rate limit') && types.includes('Invalid JSON'), types.join(', '));
    await form.getByTestId('alert-rule-kind').selectOption('backlog');
    await form.getByTestId('alert-rule-task').fill('e2e_backlog');
    // An emptied figure is asked for, not taken for 0 (a rule "above 0" would fire at once).
    await form.getByTestId('alert-rule-above').fill('');
    await form.getByTestId('alert-rule-add').click();
    assert.equal(
      await form
        .getByTestId('alert-rule-above')
        .evaluate((el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing),
      true,
    );
    const rules = (await web.engine.call('alerts.rules.get', {})) as { ok: true; data: { rules: unknown[] } };
    assert.equal(rules.data.rules.length, 0, 'no rule was added');
    // A refused figure names the rule being added as such, not by a number the (empty) list does not show.
    await form.getByTestId('alert-rule-above').fill('-5');
    await form.getByTestId('alert-rule-add').click();
    await page.getByTestId('alert-rules-error').getByText('The new rule, above: cannot be negative').waitFor();
    // Editing the form takes the refusal of what it held away.
    await form.getByTestId('alert-rule-above').fill('2');
    await page.getByTestId('alert-rules-error').waitFor({ state: 'detached' });
    await form.getByTestId('alert-rule-forMinutes').fill('0');
    await form.getByTestId('alert-rule-add').click();
    await page.getByTestId('alert-rules').getByText('Backlog of task e2e_backlog above 2 at once (no minimum duration)').waitFor();

    const list = page.getByTestId('alert-list');
    await list.getByText('Backlog of task e2e_backlog: 5 jobs waiting').waitFor({ timeout: 30_000 });
    await list.getByText('Firing', { exact: true }).waitFor();
    await list.getByText(/firing: webhook http:\/\/127\.0\.0\.1:\d+\/…, sent/).waitFor({ timeout: 30_000 });
    await page.getByTestId('nav-alerts-count').getByText('1').waitFor();
    assert.equal(receiver!.received.length, 1);
    assert.match(receiver!.received[0].text, /ALERT: Backlog of task e2e_backlog: 5 jobs waiting/);

    // From the firing alert to the jobs it counts, in one click.
    const action = list.getByTestId('alert-action').first();
    assert.equal(await action.getAttribute('href'), '#/jobs?state=ready%2Cretrying&task=e2e_backlog');
    assert.equal(await action.innerText(), 'Open the waiting jobs →');

    await web.screenshot('alerts-1440');
    await page.setViewportSize({ width: 1024, height: 700 });
    await web.screenshot('alerts-1024');
    await page.setViewportSize({ width: 1440, height: 900 });

    // Edited in place: the rule keeps its id (and its open alert); its figure changes.
    const rulesPanel = page.getByTestId('alert-rules');
    const idBefore = (await web.engine.call('alerts.rules.get', {})) as { ok: true; data: { rules: { id: string }[] } };
    await rulesPanel.locator('[data-testid^="alert-rule-edit-"]').click();
    const edit = page.getByTestId('alert-rule-edit-form');
    assert.equal(await edit.getByTestId('alert-rule-above').inputValue(), '2', 'the form holds the rule as it is');
    await edit.getByTestId('alert-rule-above').fill('3');
    await edit.getByTestId('alert-rule-save').click();
    await rulesPanel.getByText('Backlog of task e2e_backlog above 3').waitFor();
    assert.equal(await rulesPanel.locator('[data-testid^="alert-rule-unknown-"]').count(), 0, 'a task the database knows');
    const idAfter = (await web.engine.call('alerts.rules.get', {})) as { ok: true; data: { rules: { id: string }[] } };
    assert.deepEqual(
      idAfter.data.rules.map((r) => r.id),
      idBefore.data.rules.map((r) => r.id),
    );
    // A task no job was ever seen of (a typo) is flagged: such a rule can never fire.
    await form.getByTestId('alert-rule-task').fill('e2e_backlgo');
    await form.getByTestId('alert-rule-add').click();
    await rulesPanel.locator('[data-testid^="alert-rule-unknown-"]').getByText('unknown name').waitFor();
    await rulesPanel.locator('[data-testid^="alert-rule-remove-"]').nth(1).click();
    await page.locator('dialog[open] [data-testid="confirm-dialog-confirm"]').click();
    await rulesPanel.locator('[data-testid^="alert-rule-unknown-"]').waitFor({ state: 'detached' });

    // Removing is asked first; Cancel keeps the rule.
    await rulesPanel.locator('[data-testid^="alert-rule-remove-"]').click();
    await page.locator('dialog[open] [data-testid="confirm-dialog-dismiss"]').click();
    await rulesPanel.getByText('Backlog of task e2e_backlog above 3').waitFor();
    await rulesPanel.locator('[data-testid^="alert-rule-remove-"]').click();
    await page.locator('dialog[open] [data-testid="confirm-dialog-confirm"]').click();
    await rulesPanel.getByText('No rule yet: add one below.').waitFor();
  }),
);
