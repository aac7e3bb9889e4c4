import { useState } from 'react';
import type { StuckThresholds } from '../../../../shared/model/stuck.ts';
import { useOpMutation } from '../../data/use-op.ts';
import { toastError } from '../../store/toast-store.ts';

/** How long a job of each task may stay locked before it counts as stuck (kept in Jobdeck's SQLite). */
export function ThresholdsPanel({ thresholds, tasks }: { thresholds: StuckThresholds; tasks: string[] }) {
  const [task, setTask] = useState('');
  const [minutes, setMinutes] = useState('');
  const current = task ? (thresholds.byTask[task] ?? thresholds.defaultMinutes) : thresholds.defaultMinutes;
  // The stuck report is read again before onSuccess (data/writes.ts).
  const setThreshold = useOpMutation('stuck.setThreshold', {
    onSuccess: () => setMinutes(''),
    onError: (error) => toastError('Could not save the threshold', error),
  });
  const save = (value: number | null) => setThreshold.mutate({ task: task || null, minutes: value });
  const parsed = Number(minutes);
  const valid = Number.isInteger(parsed) && parsed >= 1 && parsed <= 10_080;
  // Said while typing, not only a greyed Save: the limits are a whole number of minutes up to a week.
  const problem = minutes.trim() !== '' && !valid ? 'A threshold is a whole number of minutes from 1 to 10,080 (a week)' : null;
  const overrides = Object.entries(thresholds.byTask);
  return (
    <section className="panel" data-testid="stuck-thresholds">
      <div className="panel-head">
        <h2>Thresholds</h2>
        <span className="panel-note">
          Default {thresholds.defaultMinutes} min
          {overrides.length > 0 && ` · ${overrides.map(([t, m]) => `${t}: ${m} min`).join(' · ')}`}
        </span>
      </div>
      <form
        className="stuck-threshold-form pad"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) save(parsed);
        }}
      >
        <label>
          Task{' '}
          <select value={task} onChange={(e) => setTask(e.target.value)} data-testid="threshold-task">
            <option value="">Default (every task)</option>
            {tasks.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Stuck after{' '}
          <input
            type="number"
            min={1}
            max={10_080}
            placeholder={String(current)}
            value={minutes}
            onChange={(e) => setMinutes(e.target.value)}
            data-testid="threshold-minutes"
          />{' '}
          min
        </label>
        <button className="btn" type="submit" disabled={!valid} data-testid="threshold-save">
          Save
        </button>
        {task && thresholds.byTask[task] !== undefined && (
          <button className="btn btn-ghost" type="button" onClick={() => save(null)}>
            Use the default
          </button>
        )}
        {problem && (
          <span className="form-error" role="alert" data-testid="threshold-problem">
            {problem}
          </span>
        )}
      </form>
    </section>
  );
}
