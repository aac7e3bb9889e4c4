import type { JobAction } from '../../../../shared/model/jobs.ts';
import type { ActionInputs } from './action-inputs.ts';
import { ReleasePace } from './ReleasePace.tsx';

/** datetime-local wants local time without zone: `2026-11-25T14:30`. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The extra values an action takes: when to retry, the failure message, the new priority. */
export function ActionInputsForm({
  action,
  inputs,
  onChange,
  matching,
}: {
  action: JobAction;
  inputs: ActionInputs;
  onChange: (next: ActionInputs) => void;
  /** Jobs the action will touch (the preview's count), for a paced release's last run. */
  matching?: number;
}) {
  if (action === 'retry') {
    return (
      <div className="action-inputs">
        <label className="check">
          <input
            type="radio"
            name="when"
            checked={inputs.runAt === null}
            onChange={() => onChange({ ...inputs, runAt: null })}
            data-testid="retry-now"
          />
          Now
        </label>
        <label className="check">
          <input
            type="radio"
            name="when"
            checked={inputs.runAt !== null}
            onChange={() => onChange({ ...inputs, runAt: new Date(Date.now() + 3_600_000).toISOString() })}
            data-testid="retry-later"
          />
          At
          <input
            type="datetime-local"
            disabled={inputs.runAt === null}
            value={inputs.runAt ? toLocalInput(inputs.runAt) : ''}
            onChange={(e) => {
              const at = new Date(e.target.value);
              // Cleared or partly typed: no time yet (''), which the dialog names and does not send. Keeping the last
              // whole time instead had retried an hour later while the field showed nothing.
              onChange({ ...inputs, runAt: e.target.value && !Number.isNaN(at.getTime()) ? at.toISOString() : '' });
            }}
            data-testid="retry-at"
          />
          <span className="dim">e.g. after a provider's quota resets</span>
        </label>
        <ReleasePace inputs={inputs} onChange={onChange} matching={matching} />
      </div>
    );
  }
  if (action === 'fail') {
    return (
      <label className="field action-inputs">
        Message kept as last_error (optional)
        <input
          type="text"
          maxLength={1000}
          value={inputs.message}
          placeholder="Manually marked as failed"
          // The dialog's one field: typing goes there, not to its Close button.
          autoFocus
          onChange={(e) => onChange({ ...inputs, message: e.target.value })}
        />
      </label>
    );
  }
  if (action === 'priority') {
    return (
      <label className="field action-inputs">
        New priority (lower runs first)
        <input
          type="number"
          min={-32768}
          max={32767}
          value={inputs.priority}
          autoFocus
          onChange={(e) => onChange({ ...inputs, priority: Math.max(-32768, Math.min(32767, Math.trunc(Number(e.target.value) || 0))) })}
          data-testid="priority-input"
        />
      </label>
    );
  }
  if (action === 'unlock') {
    return (
      <label className="check action-inputs">
        <input
          type="checkbox"
          checked={inputs.force}
          onChange={(e) => onChange({ ...inputs, force: e.target.checked })}
          data-testid="unlock-force"
        />
        Also unlock workers without the companion that took a lock recently (their liveness is unknown: they may still run)
      </label>
    );
  }
  return null;
}
