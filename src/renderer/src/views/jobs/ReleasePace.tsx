import { releaseTime } from '../../../../shared/model/jobs.ts';
import { formatCount, formatDateTime } from '../../format.ts';
import { MAX_PER_MINUTE, validPace, type ActionInputs } from './action-inputs.ts';
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
  const pace = inputs.perMinute;
  const last = pace !== null && validPace(pace) && matching ? releaseTime(start, pace, matching - 1) : null;
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
          max={MAX_PER_MINUTE}
          step={1}
          disabled={!paced}
          value={inputs.perMinute === null ? DEFAULT_PER_MINUTE : Number.isNaN(inputs.perMinute) ? '' : inputs.perMinute}
          // Kept as typed (0, -5, 1.5): the dialog says what is wrong and waits, rather than quietly sending 1 a minute.
          onChange={(e) => onChange({ ...inputs, perMinute: e.target.value === '' ? NaN : Number(e.target.value) })}
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
