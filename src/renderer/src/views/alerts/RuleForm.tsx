import { useState } from 'react';
import { ALERT_RULE_KINDS, type AlertRuleKind } from '../../../../shared/model/alerts.ts';
import type { OpInput } from '../../../../shared/contract/index.ts';
import { BUILTIN_ERROR_TYPES } from '../../../../shared/errors/types.ts';
import { useOp } from '../../data/use-op.ts';
import { RULE_KIND_LABELS } from './alerts-format.ts';

export type RuleInput = OpInput<'alerts.rules.set'>['rules'][number];

/** The numbers each kind asks for, with their defaults; bounds are checked by the engine (a clear 400). */
const NUMBERS: Record<AlertRuleKind, { key: string; label: string; initial: string }[]> = {
  backlog: [
    { key: 'above', label: 'Above (jobs)', initial: '100' },
    { key: 'forMinutes', label: 'For (minutes)', initial: '5' },
  ],
  oldest_due: [{ key: 'olderThanMinutes', label: 'Older than (minutes)', initial: '30' }],
  failure_rate: [
    { key: 'abovePercent', label: 'Above (%)', initial: '20' },
    { key: 'windowMinutes', label: 'Window (minutes)', initial: '15' },
    { key: 'minAttempts', label: 'At least (attempts)', initial: '10' },
  ],
  stuck: [{ key: 'atLeast', label: 'At least (jobs)', initial: '1' }],
  no_worker: [],
  worker_gone: [],
  daily_spend: [{ key: 'budgetUsd', label: 'Budget (USD)', initial: '50' }],
};
const HAS_TASK: AlertRuleKind[] = ['backlog', 'oldest_due', 'failure_rate', 'no_worker'];

/** A rule's figures as the form's fields hold them (text). */
const fieldsOf = (rule: RuleInput | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!rule) return out;
  for (const n of NUMBERS[rule.kind]) {
    const v = (rule as Record<string, unknown>)[n.key];
    if (typeof v === 'number') out[n.key] = String(v);
  }
  return out;
};
const textOf = (rule: RuleInput | undefined, key: 'task' | 'queue' | 'errorType') => {
  const v = rule ? (rule as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : '';
};

/**
 * Adds one rule: its kind, then the figures that kind needs. Given `initial`, edits that rule instead (its id, name and
 * switch are kept by the caller).
 */
export function RuleForm({
  onAdd,
  busy,
  initial,
  onCancel,
  onEdit,
}: {
  onAdd: (rule: RuleInput) => void;
  busy: boolean;
  initial?: RuleInput;
  onCancel?: () => void;
  /** Any field changed: a refusal of the values sent before is no longer about what the form holds. */
  onEdit?: () => void;
}) {
  const [kind, setKind] = useState<AlertRuleKind>(initial?.kind ?? 'backlog');
  const [values, setValues] = useState<Record<string, string>>(() => fieldsOf(initial));
  const [task, setTask] = useState(textOf(initial, 'task'));
  const [queue, setQueue] = useState(textOf(initial, 'queue'));
  const [errorType, setErrorType] = useState(textOf(initial, 'errorType'));
  const errorTypes = useOp('history.rules.get', {}).data?.types ?? BUILTIN_ERROR_TYPES;
  const value = (key: string, initial: string) => values[key] ?? initial;

  const submit = () => {
    const rule: Record<string, unknown> = { kind };
    // An emptied field is not 0 (a rule "above 0" fires at once): the browser asks for it (required), and so do we.
    if (NUMBERS[kind].some((n) => value(n.key, n.initial).trim() === '')) return;
    for (const n of NUMBERS[kind]) rule[n.key] = Number(value(n.key, n.initial));
    if (HAS_TASK.includes(kind) && task.trim()) rule.task = task.trim();
    if (kind === 'backlog' && queue.trim()) rule.queue = queue.trim();
    if (kind === 'failure_rate' && errorType.trim()) rule.errorType = errorType.trim();
    onAdd(rule as RuleInput);
  };

  return (
    <form
      className="alert-rule-form pad"
      data-testid={initial ? 'alert-rule-edit-form' : 'alert-rule-form'}
      onChange={onEdit}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label className="field">
        Rule
        <select
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as AlertRuleKind);
            setValues({});
          }}
          data-testid="alert-rule-kind"
        >
          {ALERT_RULE_KINDS.map((k) => (
            <option key={k} value={k}>
              {RULE_KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      {HAS_TASK.includes(kind) && (
        <label className="field">
          Task (empty: every task)
          <input value={task} onChange={(e) => setTask(e.target.value)} placeholder="any" data-testid="alert-rule-task" />
        </label>
      )}
      {kind === 'backlog' && (
        <label className="field">
          or queue
          <input value={queue} onChange={(e) => setQueue(e.target.value)} placeholder="none" />
        </label>
      )}
      {kind === 'failure_rate' && (
        <label className="field">
          Error type
          {/* The types failures are filed under (built-in and the operator's own): a typed slug could name none. */}
          <select value={errorType} onChange={(e) => setErrorType(e.target.value)} data-testid="alert-rule-error-type">
            <option value="">All failures</option>
            {errorTypes.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
            {errorType && !errorTypes.some((t) => t.type === errorType) && (
              <option value={errorType}>{errorType} (no longer a type of the taxonomy)</option>
            )}
          </select>
        </label>
      )}
      {NUMBERS[kind].map((n) => (
        <label className="field" key={n.key}>
          {n.label}
          <input
            type="number"
            step="any"
            required
            value={value(n.key, n.initial)}
            onChange={(e) => setValues({ ...values, [n.key]: e.target.value })}
            data-testid={`alert-rule-${n.key}`}
          />
        </label>
      ))}
      <div className="form-actions">
        <button className="btn btn-primary" type="submit" disabled={busy} data-testid={initial ? 'alert-rule-save' : 'alert-rule-add'}>
          {initial ? 'Save rule' : 'Add rule'}
        </button>
        {onCancel && (
          <button className="btn btn-ghost" type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
