import { releaseTime } from '../../../../shared/model/jobs.ts';
import { formatCount, formatDateTime } from '../../format.ts';
import type { ActionInputs } from './job-actions.ts';
import { useNow } from '../../hooks/useNow.ts';

const DEFAULT_PER_MINUTE = 100;

/**
 * A retry released gradually, so a thousand retried jobs do not hit the provider's rate limit at once: N jobs a
 * minute from the chosen time (run_at spread evenly, oldest first), with when the last one will run.
 */
export function ReleasePace({
  inputs,
  onChange,
  matching,
}: {
  inputs: ActionInputs;
  onChange: (next: ActionInputs) => void;
  matching?: number;
}) {
  const paced = inputs.perMinute !== null;
  const now = useNow(5_000);
  const start = inputs.runAt ? new Date(inputs.runAt).getTime() : now;
  const last = paced && matching ? releaseTime(start, inputs.perMinute!, matching - 1) : null;
  return (
    <div className="release-pace">
      <label className="check">
        <input
          type="checkbox"
          checked={paced}
          onChange={(e) => onChange({ ...inputs, perMinute: e.target.checked ? DEFAULT_PER_MINUTE : null })}
          data-testid="retry-paced"
        />
        Release gradually:
        <input
          type="number"
          min={1}
          max={1_000_000}
          disabled={!paced}
          value={inputs.perMinute ?? DEFAULT_PER_MINUTE}
          onChange={(e) => onChange({ ...inputs, perMinute: Math.max(1, Math.min(1_000_000, Math.trunc(Number(e.target.value) || 1))) })}
          data-testid="retry-per-minute"
        />
        jobs a minute
      </label>
      {last !== null && (
        <div className="dim" data-testid="retry-last-run">
          {formatCount(matching!)} jobs, oldest first: the last runs at {formatDateTime(last)}
        </div>
      )}
    </div>
  );
}
