import { useEffect, useState } from 'react';
import { useLive } from '../store/live-store.ts';
import { configureRunner, startRunner, stopRunner } from '../store/actions.ts';
import { shortPoolId } from '../format.ts';
import { Icon } from './Icon.tsx';
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
  const runner = useLive((s) => s.status?.runner);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => setDraft(String(runner?.concurrency ?? '')), [runner?.concurrency]);
  if (!runner) return <div className="runner" />;

  const active = runner.state === 'running' || runner.state === 'starting';
  const unavailable = runner.unavailableReason;
  const parsed = Number(draft);
  const valid = Number.isInteger(parsed) && parsed >= 1 && parsed <= 64;

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  };
  const applyConcurrency = () => {
    if (!valid) return setDraft(String(runner.concurrency));
    if (parsed !== runner.concurrency) void run(() => configureRunner(parsed));
  };

  return (
    <div className="runner" title={unavailable ?? runner.error ?? undefined}>
      <span className="runner-label">Runner</span>
      <span className={`runner-state runner-${runner.state}`}>
        <span className={`state-dot dot-runner-${runner.state}`} aria-hidden="true" />
        {STATE_LABELS[runner.state]}
        {active && (
          <span className="runner-jobs num" title="Jobs in flight / concurrency">
            {runner.runningJobs}/{runner.concurrency}
          </span>
        )}
      </span>
      <span className="runner-pool mono" title={runner.poolId ? `Worker pool ${runner.poolId}` : 'No worker pool'}>
        pool {shortPoolId(runner.poolId)}
      </span>
      <label className="runner-concurrency" title="Jobs run at once (1–64); changing it restarts a running runner gracefully">
        <span>Concurrency</span>
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
          onClick={() => void run(stopRunner)}
          title="Stop taking jobs, wait for running ones, then abort them (graphile-worker retries them)"
        >
          <Icon name="stop" size={12} /> Stop
        </button>
      ) : (
        <button
          className="btn btn-runner btn-primary"
          data-testid="runner-start"
          disabled={busy || !!unavailable}
          onClick={() => void run(() => startRunner(valid ? parsed : runner.concurrency))}
          title={unavailable ?? 'Start taking jobs'}
        >
          <Icon name="play" size={12} /> Start
        </button>
      )}
    </div>
  );
}
