import { useState } from 'react';
import { useModalDialog } from '../hooks/useModalDialog.ts';
import type { Breaker, BreakerSettings, PauseKind } from '../../../shared/model/control.ts';
import { useOpMutation } from '../data/use-op.ts';
import { useBreakers } from '../data/use-breakers.ts';
import { useCanWrite } from '../data/use-pauses.ts';
import { toastError, useToasts } from '../store/toast-store.ts';
import { formatClock, formatDateTime } from '../format.ts';

/** What a breaker's button says: off, on (watching), or tripped with its resume time. */
function breakerLabel(b: Breaker | undefined, compact: boolean): string {
  if (b?.state === 'tripped')
    return compact ? '⚡ tripped' : `⚡ breaker tripped · resumes ${b.resumeAt ? formatClock(b.resumeAt) : 'soon'}`;
  // Off, in a table row: the sign alone (its title and accessible name say what it is), so the row keeps its room.
  return b?.enabled ? (compact ? '⚡ on' : 'breaker on') : compact ? '⚡' : 'breaker';
}

/**
 * A task's or queue's circuit breaker: its state on a badge-like button (tripped, resumes at), and its settings in a
 * small dialog. It is evaluated by this console while it runs: the pause it makes holds when Jobdeck quits, but
 * no new trip happens then.
 */
export function BreakerControl({ kind, name, compact = false }: { kind: PauseKind; name: string; compact?: boolean }) {
  const breakers = useBreakers();
  const breaker = breakers.of(kind, name);
  const canWrite = useCanWrite();
  // The dialog exists only while open: a table of tasks would otherwise hold one per row.
  const [editing, setEditing] = useState(false);
  const dialog = useModalDialog(editing);
  const [draft, setDraft] = useState<BreakerSettings>(breaker ?? { ...breakers.defaults, enabled: true });
  const push = useToasts((s) => s.push);
  const save = useOpMutation('control.breaker.set', {
    onSuccess: (b) => {
      setEditing(false);
      push('info', `Circuit breaker ${b.enabled ? 'on' : 'off'} for ${kind} ${name}`, b.enabled ? 'Watched while Jobdeck runs.' : '');
    },
    onError: (error) => toastError(`Could not set the breaker of ${name}`, error),
  });
  const open = () => {
    setDraft(breaker ? { ...breaker } : { ...breakers.defaults, enabled: true });
    setEditing(true);
  };
  const tripped = breaker?.state === 'tripped';
  const title = tripped
    ? `${breaker.reason ?? 'Tripped'}. Paused by the breaker until ${formatDateTime(breaker.resumeAt!)}.`
    : breaker?.enabled
      ? `Pauses this ${kind} when rate-limit errors pass ${breaker.thresholdPct} % of at least ${breaker.minAttempts} attempts over ${breaker.windowMinutes} min` +
        (breaker.window ? ` (now ${breaker.window.rateLimited} of ${breaker.window.attempts})` : '')
      : 'Circuit breaker: pause this task on a rate-limit storm, resume when the provider says';
  const num = (key: keyof Omit<BreakerSettings, 'enabled'>, label: string, min: number, max: number, hint: string) => (
    <label className="field">
      {label}
      <input
        type="number"
        min={min}
        max={max}
        value={draft[key]}
        onChange={(e) => setDraft({ ...draft, [key]: Math.trunc(Number(e.target.value) || 0) })}
        data-testid={`breaker-${key}`}
      />
      <span className="field-hint">{hint}</span>
    </label>
  );
  return (
    <>
      <button
        className={`btn btn-small breaker-btn${tripped ? ' breaker-tripped' : breaker?.enabled ? ' breaker-on' : ' btn-quiet'}`}
        title={title}
        aria-label={compact && !breaker?.enabled && !tripped ? `Circuit breaker of ${kind} ${name}: off` : undefined}
        onClick={open}
        data-testid={`breaker-${kind}-${name}`}
      >
        {breakerLabel(breaker, compact)}
      </button>
      {editing && (
        <dialog ref={dialog} className="dialog breaker-dialog" data-testid="breaker-dialog" onClose={() => setEditing(false)}>
          <h2>
            Circuit breaker: {kind} <span className="mono">{name}</span>
          </h2>
          <div className="dialog-body">
            <p>
              When rate-limit and quota errors are more than the threshold of this {kind}&apos;s attempts over the window, Jobdeck pauses it
              and resumes it at the time the provider named in its error (&ldquo;try again in 20s&rdquo;, a reset time), or after the
              cool-down. Every trip and resume is in the audit log.
            </p>
            <p className="warn-text">
              It works while Jobdeck runs: the pause it makes lives in the database and ends on time without it, but no trip happens while
              Jobdeck is closed.
            </p>
            {tripped && <p data-testid="breaker-state">Tripped: {breaker.reason}</p>}
            <label className="check">
              <input
                type="checkbox"
                checked={draft.enabled}
                onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })}
                data-testid="breaker-enabled"
              />
              On
            </label>
            <div className="breaker-fields">
              {num('thresholdPct', 'Threshold (%)', 1, 100, 'share of rate-limited attempts')}
              {num('windowMinutes', 'Window (min)', 1, 1440, 'attempts of the last minutes')}
              {num('minAttempts', 'At least (attempts)', 1, 1_000_000, 'in the window, to judge')}
              {num('cooldownSeconds', 'Cool-down (s)', 1, 86_400, 'when no time is named')}
            </div>
          </div>
          <div className="dialog-actions">
            <button className="btn" onClick={() => setEditing(false)}>
              Close
            </button>
            <button
              className="btn btn-primary"
              disabled={!canWrite || save.isPending}
              onClick={() => save.mutate({ ...(kind === 'task' ? { task: name } : { queue: name }), ...draft })}
              data-testid="breaker-save"
            >
              Save
            </button>
          </div>
        </dialog>
      )}
    </>
  );
}
