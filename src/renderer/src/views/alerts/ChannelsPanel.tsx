import { useState } from 'react';
import type { AlertSettings } from '../../../../shared/model/alerts.ts';
import { useOpMutation, useStatus } from '../../data/use-op.ts';
import { errorMessage } from '../../api/client.ts';
import { settingsInput } from './RulesPanel.tsx';

/** Where alerts go (the webhook, desktop notifications), how long a flap stays one episode, the daily summary. */
export function ChannelsPanel({ settings }: { settings: AlertSettings }) {
  const mode = useStatus((s) => s.mode);
  const [url, setUrl] = useState('');
  const [quiet, setQuiet] = useState<string | null>(null);
  const save = useOpMutation('alerts.rules.set', { onSuccess: () => setUrl('') });
  const test = useOpMutation('alerts.test');
  const base = settingsInput(settings);
  const quietValue = quiet ?? String(settings.quietMinutes);
  const result = test.data;
  // A refusal is shown by what it refuses: the webhook's under its field, the rest at the foot of the card.
  const webhookSave = save.variables !== undefined && 'webhookUrl' in save.variables;
  const webhookTest = test.variables?.channel === 'webhook';
  const saveError = save.error && (
    <div className="form-error" data-testid="alert-channels-error">
      {errorMessage(save.error)}
    </div>
  );
  const testOutcome = (
    <>
      {test.error && <div className="form-error">{errorMessage(test.error)}</div>}
      {result && (
        <div className={result.delivered ? 'test-result' : 'form-error'} data-testid="alert-test-result">
          {result.delivered ? 'Delivered' : 'Not delivered'} ({result.channel}, {result.attempts} attempt
          {result.attempts === 1 ? '' : 's'}){result.detail ? `: ${result.detail}` : ''}
        </div>
      )}
    </>
  );

  return (
    <section className="panel" data-testid="alert-channels">
      <div className="panel-head">
        <h2>Channels</h2>
        <span className="panel-note">The in-app list always; desktop and webhook as chosen here</span>
      </div>
      <div className="alert-channels pad">
        <div className="field" data-testid="alert-webhook-field">
          <span>Webhook: a Slack-compatible JSON POST (a text field, plus structured fields)</span>
          <div className="alert-inline">
            <input
              value={url}
              onChange={(e) => {
                setUrl(e.target.value);
                // What was said of the last address (refused, delivered or not) is not about this one.
                save.reset();
                test.reset();
              }}
              placeholder={settings.webhook ? `${settings.webhook.display} (saved)` : 'https://hooks.slack.com/services/…'}
              data-testid="alert-webhook-url"
            />
            <button
              className="btn"
              disabled={!url.trim() || save.isPending}
              onClick={() => save.mutate({ ...base, webhookUrl: url.trim() })}
              data-testid="alert-webhook-save"
            >
              Save
            </button>
            <button
              className="btn btn-ghost"
              disabled={(!url.trim() && !settings.webhook) || test.isPending}
              onClick={() => test.mutate({ channel: 'webhook', ...(url.trim() ? { url: url.trim() } : {}) })}
              data-testid="alert-webhook-test"
            >
              {test.isPending ? 'Sending…' : 'Send a test'}
            </button>
            {settings.webhook && (
              <button className="btn btn-ghost" onClick={() => save.mutate({ ...base, webhookUrl: null })}>
                Remove
              </button>
            )}
          </div>
          <span className="field-hint">
            {settings.webhook
              ? settings.webhook.storage === 'encrypted'
                ? 'Saved encrypted with the OS keychain.'
                : 'Kept in memory only (no keychain in web mode): enter it again after a restart.'
              : 'Links to link-local or cloud metadata addresses are refused. Each message is tried 3 times, 5 s each.'}
          </span>
          {webhookSave && saveError}
          {webhookTest && testOutcome}
        </div>
        {/* Only the desktop app has a desktop to notify: in web mode it is shown off, and cannot be tested. */}
        <label className="check" title={mode === 'electron' ? undefined : 'Only the desktop app can show desktop notifications'}>
          <input
            type="checkbox"
            checked={mode === 'electron' && settings.desktop}
            disabled={mode !== 'electron'}
            onChange={(e) => save.mutate({ ...base, desktop: e.target.checked })}
            data-testid="alert-desktop"
          />
          <span>
            Desktop notifications <span className="dim">{mode === 'electron' ? '' : '(in the desktop app only)'}</span>
          </span>
          {mode === 'electron' && (
            <button className="btn btn-ghost btn-small" onClick={() => test.mutate({ channel: 'desktop' })}>
              Test
            </button>
          )}
        </label>
        <label className="field alert-narrow">
          <span>Quiet period (minutes): a condition that clears and returns within it stays one episode</span>
          <div className="alert-inline">
            <input
              type="number"
              value={quietValue}
              onChange={(e) => {
                setQuiet(e.target.value);
                // A refusal is about the value it was given: typing another one takes it away.
                save.reset();
              }}
              data-testid="alert-quiet"
            />
            <button
              className="btn"
              disabled={quietValue.trim() === '' || quietValue === String(settings.quietMinutes)}
              data-testid="alert-quiet-save"
              onClick={() => save.mutate({ ...base, quietMinutes: Number(quietValue) }, { onSuccess: () => setQuiet(null) })}
            >
              Save
            </button>
          </div>
        </label>
        <div className="check">
          <input
            type="checkbox"
            checked={settings.dailySummary.enabled}
            onChange={(e) => save.mutate({ ...base, dailySummary: { ...settings.dailySummary, enabled: e.target.checked } })}
            data-testid="alert-summary-enabled"
          />
          <span>
            Daily summary (failures by type, successes, backlog, spend) at{' '}
            <select
              value={settings.dailySummary.hourUtc}
              onChange={(e) => save.mutate({ ...base, dailySummary: { ...settings.dailySummary, hourUtc: Number(e.target.value) } })}
            >
              {Array.from({ length: 24 }, (_, h) => (
                <option key={h} value={h}>
                  {String(h).padStart(2, '0')}:00
                </option>
              ))}
            </select>{' '}
            UTC
          </span>
        </div>
        {!webhookSave && saveError}
        {!webhookTest && testOutcome}
      </div>
    </section>
  );
}
