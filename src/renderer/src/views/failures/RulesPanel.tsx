import { useState } from 'react';
import { errorMessage } from '../../api/client.ts';
import { useOp, useOpMutation } from '../../data/use-op.ts';
import type { ErrorRule, TypeVerdict } from '../../../../shared/errors/index.ts';
import { useHistoryStatus } from './use-history.ts';

const blank = (n: number): ErrorRule => ({ id: `rule-${n}`, pattern: '', type: '', label: '', color: '#8dd3c7', enabled: true });

/** Drops empty optional fields: the engine validates every rule strictly. */
function tidy(rule: ErrorRule): ErrorRule {
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== '' && v !== undefined)) as unknown as ErrorRule;
}

/** The operator's error taxonomy rules: tried before the built-in ones; saving reclassifies the history. */
export function RulesPanel() {
  const stored = useOp('history.rules.get', {});
  // The operator's edits; null while there are none, so the form shows the rules as stored.
  const [edited, setEdited] = useState<ErrorRule[] | null>(null);
  const rules = edited ?? stored.data?.rules ?? [];
  const setRules = (next: ErrorRule[]) => setEdited(next);
  const reclassifying = useHistoryStatus().data?.reclassifying;
  // Saving makes the history, its figures and the stored rules stale (data/writes.ts).
  const saving = useOpMutation('history.rules.set', { onSuccess: () => setEdited(null) });
  const failure = saving.error ?? stored.error;
  const error = failure ? errorMessage(failure) : null;
  const saved = saving.isSuccess ? 'Saved: the kept history is being reclassified.' : null;
  const busy = saving.isPending;

  const patch = (i: number, change: Partial<ErrorRule>) => setRules(rules.map((r, j) => (j === i ? { ...r, ...change } : r)));
  const save = () => saving.mutate({ rules: rules.map(tidy) });

  return (
    <section className="panel" data-testid="rules-panel">
      <div className="panel-head">
        <h2>Error taxonomy rules</h2>
        <span className="panel-note">
          Your rules are tried first, in order (regular expression, case-insensitive), then the built-in ones.
          {reclassifying && ` Reclassifying ${reclassifying.done} of ${reclassifying.total}…`}
        </span>
      </div>
      <div className="rules">
        {rules.length === 0 && <div className="dim">No rules of your own: the built-in taxonomy applies.</div>}
        {rules.map((r, i) => (
          <div className="rule-row" key={i}>
            <input
              aria-label="Pattern"
              placeholder="Pattern, e.g. CUDA out of memory"
              value={r.pattern}
              onChange={(e) => patch(i, { pattern: e.target.value })}
              className="mono rule-pattern"
              data-testid={`rule-pattern-${i}`}
            />
            <input
              aria-label="Type"
              placeholder="type_slug"
              value={r.type}
              onChange={(e) => patch(i, { type: e.target.value })}
              className="mono"
              data-testid={`rule-type-${i}`}
            />
            <input
              aria-label="Label"
              placeholder="Label"
              value={r.label ?? ''}
              onChange={(e) => patch(i, { label: e.target.value })}
              data-testid={`rule-label-${i}`}
            />
            <input aria-label="Colour" type="color" value={r.color ?? '#8dd3c7'} onChange={(e) => patch(i, { color: e.target.value })} />
            <select
              aria-label="Retry verdict"
              title="Whether a retry of this type is likely to help (replaces a built-in type's verdict)"
              value={r.verdict ?? ''}
              onChange={(e) => patch(i, { verdict: (e.target.value || undefined) as TypeVerdict | undefined })}
              data-testid={`rule-verdict-${i}`}
            >
              <option value="">retry: type's own</option>
              <option value="transient">retry helps</option>
              <option value="permanent">retry won't help</option>
              <option value="varies">helps unless repeated</option>
              <option value="unknown">unknown</option>
            </select>
            <label className="check">
              <input type="checkbox" checked={r.enabled !== false} onChange={(e) => patch(i, { enabled: e.target.checked })} />
              on
            </label>
            <button className="btn btn-ghost" onClick={() => setRules(rules.filter((_, j) => j !== i))} aria-label="Remove rule">
              Remove
            </button>
          </div>
        ))}
        {error && (
          <div className="form-error" role="alert">
            {error}
          </div>
        )}
        {saved && <div className="dim">{saved}</div>}
        <div className="form-actions">
          <button className="btn" onClick={() => setRules([...rules, blank(rules.length + 1)])} data-testid="rule-add">
            Add rule
          </button>
          <button className="btn btn-primary" disabled={busy} onClick={save} data-testid="rules-save">
            {busy ? 'Saving…' : 'Save rules'}
          </button>
        </div>
      </div>
    </section>
  );
}
