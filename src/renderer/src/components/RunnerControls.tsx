import { useRef, useState } from 'react';
import { useOpMutation, useStatus } from '../data/use-op.ts';
import { toastError, useToasts } from '../store/toast-store.ts';
import { shortPoolId } from '../format.ts';
import { Icon } from './Icon.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import type { RunnerState } from '../../../shared/model/status.ts';

const STATE_LABELS: Record<RunnerState, string> = {
  stopped: 'Stopped',
  starting: 'Starting…',
  running: 'Running',
  stopping: 'Stopping…',
  error: 'Error',
};

/** The hosted graphile-worker runner: state, jobs in flight, pool, concurrency, Start/Stop. */
export function RunnerControls() {
  const runner = useStatus((s) => s.runner);
  const concurrency = runner?.concurrency;
  const [draft, setDraft] = useState(String(concurrency ?? ''));
  // A new concurrency (applied here or elsewhere) replaces the draft: adjusted while rendering, not in an effect.
  const [draftOf, setDraftOf] = useState(concurrency);
  if (draftOf !== concurrency) {
    setDraftOf(concurrency);
    setDraft(String(concurrency ?? ''));
  }
  // Each answers with the runner's status, which patches the engine status at once (data/writes.ts).
  const start = useOpMutation('runner.start', { onError: (e) => toastError('Could not start the runner', e) });
  const stop = useOpMutation('runner.stop', { onError: (e) => toastError('Could not stop the runner', e) });
  const configure = useOpMutation('runner.configure', { onError: (e) => toastError('Could not change concurrency', e) });
  const busy = start.isPending || stop.isPending || configure.isPending;
  /** The concurrency asked for and not yet answered. */
  const asked = useRef<number | null>(null);
  // Stop asks first, as every other action that ends running work does.
  const [confirmingStop, setConfirmingStop] = useState(false);
  if (!runner) return <div className="runner" />;

  const active = runner.state === 'running' || runner.state === 'starting';
  const unavailable = runner.unavailableReason;
  const parsed = Number(draft);
  const valid = Number.isInteger(parsed) && parsed >= 1 && parsed <= 64;

  const applyConcurrency = () => {
    if (!valid) {
      setDraft(String(runner.concurrency));
      // Said, not silently put back: 0 reads like "stop", which is the Stop button's job.
      useToasts
        .getState()
        .push(
          'warning',
          'Concurrency not changed',
          `It is a whole number from 1 to 64: kept ${runner.concurrency}. To stop taking jobs, use Stop.`,
        );
      return;
    }
    // Enter applies, and the field, disabled while the change runs, then loses focus: the blur must not ask again
    // (each ask restarts the runner).
    if (parsed === runner.concurrency || asked.current === parsed) return;
    asked.current = parsed;
    configure.mutate({ concurrency: parsed }, { onSettled: () => (asked.current = null) });
  };

  return (
    <div className="runner" title={unavailable ?? runner.error ?? undefined}>
      <span className="runner-label">Runner</span>
      <span className={`runner-state runner-${runner.state}`}>
        <span className={`state-dot dot-runner-${runner.state}`} aria-hidden="true" />
        {STATE_LABELS[runner.state]}
        {active && (
          <span
            className="runner-jobs num"
            title="Jobs running in this console's runner / its concurrency (other workers: the Workers view)"
          >
            {runner.runningJobs}/{runner.concurrency}
          </span>
        )}
      </span>
      <span className="runner-pool mono" title={runner.poolId ? `Worker pool ${runner.poolId}` : 'No worker pool'}>
        pool {shortPoolId(runner.poolId)}
      </span>
      <label className="runner-concurrency" title="Jobs run at once (1–64); changing it restarts a running runner gracefully">
        <span className="runner-concurrency-full">Concurrency</span>
        <span className="runner-concurrency-short" aria-hidden="true">
          Conc.
        </span>
        <input
          type="number"
          min={1}
          max={64}
          value={draft}
          disabled={busy || !!unavailable}
          aria-invalid={!valid}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={applyConcurrency}
          onKeyDown={(e) => e.key === 'Enter' && applyConcurrency()}
        />
      </label>
      {active || runner.state === 'stopping' ? (
        <button
          className="btn btn-runner"
          data-testid="runner-stop"
          disabled={busy || runner.state === 'stopping'}
          onClick={() => setConfirmingStop(true)}
          title="Stop taking jobs, wait for running ones, then abort them (graphile-worker retries them)"
        >
          <Icon name="stop" size={12} /> Stop
        </button>
      ) : (
        <button
          className="btn btn-runner btn-primary"
          data-testid="runner-start"
          disabled={busy || !!unavailable}
          onClick={() => start.mutate({ concurrency: valid ? parsed : runner.concurrency })}
          title={unavailable ?? 'Start taking jobs'}
        >
          <Icon name="play" size={12} /> Start
        </button>
      )}
      <ConfirmDialog
        open={confirmingStop}
        title="Stop this console's runner?"
        confirmLabel="Stop the runner"
        dismissLabel="Keep running"
        danger
        onConfirm={() => {
          setConfirmingStop(false);
          stop.mutate({});
        }}
        onCancel={() => setConfirmingStop(false)}
      >
        <p>
          It stops taking jobs.{' '}
          {runner.runningJobs > 0
            ? `The ${runner.runningJobs === 1 ? 'job' : `${runner.runningJobs} jobs`} it runs now get up to 10 s to finish; any still running then is aborted, and graphile-worker retries it.`
            : 'It runs no job now.'}
        </p>
        <p>Other workers go on. Start it again from the top bar.</p>
      </ConfirmDialog>
    </div>
  );
}
