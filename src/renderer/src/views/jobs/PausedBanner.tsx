import type { JobFilter } from '../../../../shared/model/jobs.ts';
import { PauseControl } from '../../components/PauseControl.tsx';
import { usePauses } from '../../data/use-pauses.ts';
import { countOf } from '../../format.ts';

/**
 * In the Jobs view, filtered to one task or one named queue: pause or resume it here, and say so when it is
 * paused (its waiting jobs show "paused" as their run at).
 */
export function PausedBanner({ filter }: { filter: JobFilter }) {
  const pauses = usePauses();
  const task = filter.tasks?.length === 1 && !filter.queues?.length ? filter.tasks[0] : null;
  const queue = filter.queues?.length === 1 && !filter.tasks?.length ? filter.queues[0] : null;
  const kind = task ? 'task' : queue ? 'queue' : null;
  const name = task ?? queue;
  if (!kind || !name) return null;
  const pause = pauses.of(kind, name);
  return (
    <div className={pause ? 'paused-banner' : 'paused-banner paused-banner-off'} data-testid="jobs-pause-bar">
      <span>
        {pause ? (
          <>
            The {kind} <span className="mono">{name}</span> is paused: workers with the companion take none of its jobs;{' '}
            {countOf(pause.parkedJobs, 'waiting job')} parked until it resumes.
          </>
        ) : (
          <>
            The {kind} <span className="mono">{name}</span> runs. Pause it to stop new attempts (a provider's quota ran out, say).
          </>
        )}
      </span>
      <PauseControl kind={kind} name={name} />
    </div>
  );
}
