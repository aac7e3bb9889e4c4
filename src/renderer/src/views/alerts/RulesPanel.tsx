import { useState } from 'react';
import type { AlertRule, AlertSettings } from '../../../../shared/model/alerts.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { useOp, useOpMutation } from '../../data/use-op.ts';
import { errorMessage } from '../../api/client.ts';
import { asNewRule, describeRule } from './alerts-format.ts';
import { RuleForm, type RuleInput } from './RuleForm.tsx';

/** The settings as `alerts.rules.set` takes them, the webhook kept as saved (absent). */
export const settingsInput = (s: AlertSettings) => ({
  rules: s.rules as RuleInput[],
  desktop: s.desktop,
  quietMinutes: s.quietMinutes,
  dailySummary: s.dailySummary,
});

/** Whether an edit keeps the rule's condition (only its figures changed). */
function sameScope(a: RuleInput | AlertRule, b: RuleInput): boolean {
  const scope = (r: RuleInput | AlertRule) => {
    const { kind, task, queue, errorType } = r as { kind: string; task?: string; queue?: string; errorType?: string };
    return `${kind}\u0000${task ?? ''}\u0000${queue ?? ''}\u0000${errorType ?? ''}`;
  };
  return scope(a) === scope(b);
}

/** The rules: each with its switch, Edit and Remove (asked first), and the form that adds one. */
export function RulesPanel({ settings }: { settings: AlertSettings }) {
  const save = useOpMutation('alerts.rules.set');
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<AlertRule | null>(null);
  const rules = settings.rules as RuleInput[];
  // The task and queue names graphile-worker knows: a rule naming another (a typo) can never fire, and says so.
  const facets = useOp('jobs.facets', {}).data;
  const unknownName = (rule: AlertRule): string | null => {
    if (!facets) return null;
    const { task, queue } = rule as { task?: string; queue?: string };
    if (task && !facets.tasks.includes(task)) return `no job of task ${task} has been seen on this database: check the name`;
    if (queue && !facets.queues.includes(queue)) return `no queue named ${queue} exists on this database: check the name`;
    return null;
  };
  // The number a refusal gives a rule being added ("Rule 3, above: …"): that rule is not listed yet, so it is named.
  const [adding, setAdding] = useState<number | null>(null);
  const put = (next: RuleInput[], after?: () => void) => {
    setAdding(next.length > rules.length ? next.length : null);
    save.mutate({ ...settingsInput(settings), rules: next }, { onSuccess: after });
  };
  const refusal = save.error ? errorMessage(save.error) : null;
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
                onEdit={save.reset}
                // A new threshold keeps the rule's id, so its open alert goes on; a new scope (kind, task, queue, error
                // type) is another condition: a new id, and the old one's open alert is closed (the webhook told so).
                onAdd={(changed) =>
                  put(
                    rules.map((r) =>
                      r.id === rule.id
                        ? {
                            ...changed,
                            ...(sameScope(rule, changed) ? { id: rule.id } : {}),
                            enabled: rule.enabled,
                            ...(rule.name ? { name: rule.name } : {}),
                          }
                        : r,
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
              <UnknownName rule={rule} reason={unknownName(rule)} />
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
          {adding !== null && refusal ? asNewRule(refusal, adding) : refusal}
        </div>
      )}
      <RuleForm busy={save.isPending} onAdd={(rule) => put([...rules, rule])} onEdit={save.reset} />
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

/** The flag of a rule whose task or queue this database never saw (`reason`), or nothing. */
function UnknownName({ rule, reason }: { rule: AlertRule; reason: string | null }) {
  if (!reason) return null;
  return (
    <span className="badge alert-rule-unknown" title={reason} data-testid={`alert-rule-unknown-${rule.id}`}>
      unknown name
    </span>
  );
}
