import { useState } from 'react';
import type { AlertRule, AlertSettings } from '../../../../shared/model/alerts.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
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

/** The rules: each with its switch, Edit and Remove (asked first), and the form that adds one. */
export function RulesPanel({ settings }: { settings: AlertSettings }) {
  const save = useOpMutation('alerts.rules.set');
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<AlertRule | null>(null);
  const rules = settings.rules as RuleInput[];
  const put = (next: RuleInput[], after?: () => void) => save.mutate({ ...settingsInput(settings), rules: next }, { onSuccess: after });
  return (
    <section className="panel" data-testid="alert-rules">
      <div className="panel-head">
        <h2>Rules</h2>
        <span className="panel-note">Evaluated every {Math.round(settings.evaluateEveryMs / 1000)} s while Jobdeck runs</span>
      </div>
      <ul className="alert-rules">
        {settings.rules.length === 0 && <li className="dim">No rule yet: add one below.</li>}
        {settings.rules.map((rule) =>
          editing === rule.id ? (
            <li key={rule.id} data-testid={`alert-rule-${rule.id}`} className="alert-rule-editing">
              <RuleForm
                key={rule.id}
                busy={save.isPending}
                initial={rule as RuleInput}
                onCancel={() => setEditing(null)}
                // The rule keeps its id (its open episode goes on), its name and its switch.
                onAdd={(changed) =>
                  put(
                    rules.map((r) =>
                      r.id === rule.id ? { ...changed, id: rule.id, enabled: rule.enabled, ...(rule.name ? { name: rule.name } : {}) } : r,
                    ),
                    () => setEditing(null),
                  )
                }
              />
            </li>
          ) : (
            <li key={rule.id} data-testid={`alert-rule-${rule.id}`}>
              <label className="check">
                <input
                  type="checkbox"
                  checked={rule.enabled}
                  onChange={(e) => put(rules.map((r) => (r.id === rule.id ? { ...r, enabled: e.target.checked } : r)))}
                />
                <span className={rule.enabled ? '' : 'dim'}>
                  {rule.name ? `${rule.name}: ` : ''}
                  {describeRule(rule)}
                </span>
              </label>
              <button className="btn btn-ghost btn-small" onClick={() => setEditing(rule.id)} data-testid={`alert-rule-edit-${rule.id}`}>
                Edit
              </button>
              <button className="btn btn-ghost btn-small" onClick={() => setRemoving(rule)} data-testid={`alert-rule-remove-${rule.id}`}>
                Remove
              </button>
            </li>
          ),
        )}
      </ul>
      {save.error && (
        <div className="form-error alert-form-error" data-testid="alert-rules-error">
          {errorMessage(save.error)}
        </div>
      )}
      <RuleForm busy={save.isPending} onAdd={(rule) => put([...rules, rule])} />
      <ConfirmDialog
        open={removing !== null}
        title="Remove this alert rule?"
        confirmLabel="Remove rule"
        danger
        busy={save.isPending}
        onCancel={() => setRemoving(null)}
        onConfirm={() =>
          removing &&
          put(
            rules.filter((r) => r.id !== removing.id),
            () => setRemoving(null),
          )
        }
      >
        <p>{removing ? describeRule(removing) : ''}</p>
        <p className="dim">An alert it has open is closed, and the webhook is told so.</p>
      </ConfirmDialog>
    </section>
  );
}
