import type { AlertSettings } from '../../../../shared/model/alerts.ts';
import { useOpMutation } from '../../data/use-op.ts';
import { errorMessage } from '../../api/client.ts';
import { describeRule } from './alerts-format.ts';
import { RuleForm, type RuleInput } from './RuleForm.tsx';

/** The settings as `alerts.rules.set` takes them, the webhook kept as saved (absent). */
export const settingsInput = (s: AlertSettings) => ({
  rules: s.rules as RuleInput[],
  desktop: s.desktop,
  quietMinutes: s.quietMinutes,
  dailySummary: s.dailySummary,
});

/** The rules: each with its switch and a remove button, and the form that adds one. */
export function RulesPanel({ settings }: { settings: AlertSettings }) {
  const save = useOpMutation('alerts.rules.set');
  const put = (rules: RuleInput[]) => save.mutate({ ...settingsInput(settings), rules });
  return (
    <section className="panel" data-testid="alert-rules">
      <div className="panel-head">
        <h2>Rules</h2>
        <span className="panel-note">Evaluated every {Math.round(settings.evaluateEveryMs / 1000)} s while Jobdeck runs</span>
      </div>
      <ul className="alert-rules">
        {settings.rules.length === 0 && <li className="dim">No rule yet: add one below.</li>}
        {settings.rules.map((rule) => (
          <li key={rule.id} data-testid={`alert-rule-${rule.id}`}>
            <label className="check">
              <input
                type="checkbox"
                checked={rule.enabled}
                onChange={(e) => put(settings.rules.map((r) => (r.id === rule.id ? { ...r, enabled: e.target.checked } : r)))}
              />
              <span className={rule.enabled ? '' : 'dim'}>
                {rule.name ? `${rule.name}: ` : ''}
                {describeRule(rule)}
              </span>
            </label>
            <button className="btn btn-ghost btn-small" onClick={() => put(settings.rules.filter((r) => r.id !== rule.id))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {save.error && (
        <div className="form-error alert-form-error" data-testid="alert-rules-error">
          {errorMessage(save.error)}
        </div>
      )}
      <RuleForm busy={save.isPending} onAdd={(rule) => put([...(settings.rules as RuleInput[]), rule])} />
    </section>
  );
}
