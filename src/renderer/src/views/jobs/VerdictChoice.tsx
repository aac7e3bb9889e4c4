import type { RetryVerdictCounts } from '../../../../shared/model/jobs.ts';
import { formatCount } from '../../format.ts';
import type { ActionInputs } from './action-inputs.ts';

/** A retry's "only the transient ones" choice, with how many it leaves out and why (the preview's verdict counts). */
export function VerdictChoice({
  verdicts,
  inputs,
  onChange,
}: {
  verdicts: RetryVerdictCounts;
  inputs: ActionInputs;
  onChange: (next: ActionInputs) => void;
}) {
  const leftOut = verdicts.permanent + verdicts.unknown;
  return (
    <div className="verdict-choice" data-testid="verdict-choice">
      <label className="check">
        <input
          type="checkbox"
          checked={inputs.transientOnly}
          onChange={(e) => onChange({ ...inputs, transientOnly: e.target.checked })}
          data-testid="retry-transient-only"
        />
        Only the transient ones ({formatCount(verdicts.transient + verdicts.noError)})
        {leftOut > 0 ? (
          <span className="dim">
            {' '}
            · {inputs.transientOnly ? 'leaves out' : 'would leave out'} {formatCount(leftOut)} a retry is unlikely to help
          </span>
        ) : (
          <span className="dim"> · every one is worth a retry</span>
        )}
      </label>
      {leftOut > 0 && (
        <ul data-testid="verdict-left-out">
          {verdicts.leftOut.map((r) => (
            <li key={r.reason}>
              {formatCount(r.count)} {r.reason.replace(/^not transient: /, '— ')}
            </li>
          ))}
        </ul>
      )}
      {verdicts.partial && (
        <span className="dim">More jobs than could be judged by their attempts: the rest are judged by their type.</span>
      )}
    </div>
  );
}
