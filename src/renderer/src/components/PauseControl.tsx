import type { Pause, PauseKind } from '../../../shared/model/control.ts';
import { useOpMutation } from '../data/use-op.ts';
import { useCanWrite, usePauses } from '../data/use-pauses.ts';
import { toastError, useToasts } from '../store/toast-store.ts';
import { countOf, formatDateTime } from '../format.ts';

/** A paused task or queue: marked wherever it is listed, with since when, until when and why. */
export function PausedBadge({ pause, compact = false }: { pause: Pause; compact?: boolean }) {
  const title =
    `Paused since ${formatDateTime(pause.pausedAt)}` +
    (pause.until ? `, until ${formatDateTime(pause.until)}` : ', until resumed') +
    (pause.reason ? ` (${pause.reason})` : '') +
    `: workers with the companion take none of its jobs; ${countOf(pause.parkedJobs, 'waiting job')} parked`;
  return (
    <span className="badge badge-paused" title={title} data-testid={`paused-${pause.kind}-${pause.name}`}>
      {/* In a table row (compact) the end is in the tooltip: a date does not fit beside the buttons. */}
      ❚❚ paused{pause.until && !compact ? ` · until ${formatDateTime(pause.until)}` : ''}
    </span>
  );
}

/**
 * Pause or resume a task or a named queue, with its mark when paused. A pause takes effect at once (workers
 * with the companion stop taking its jobs within a second); resume puts the parked jobs back where they were.
 */
export function PauseControl({ kind, name, compact = false }: { kind: PauseKind; name: string; compact?: boolean }) {
  const pauses = usePauses();
  const canWrite = useCanWrite();
  const pause = pauses.of(kind, name);
  const push = useToasts((s) => s.push);
  const pauseOp = useOpMutation('control.pause', {
    onSuccess: (r) =>
      push(
        'info',
        `Paused ${kind} ${name}`,
        `${countOf(r.parked, 'waiting job')} parked${r.running ? `; ${countOf(r.running, 'running job')} will finish` : ''}. Workers with the companion take none of its jobs until you resume.`,
      ),
    onError: (error) => toastError(`Could not pause ${name}`, error),
  });
  const resumeOp = useOpMutation('control.resume', {
    onSuccess: (r) => push('info', `Resumed ${kind} ${name}`, `${countOf(r.restored, 'parked job')} back at the time each had.`),
    onError: (error) => toastError(`Could not resume ${name}`, error),
  });
  const busy = pauseOp.isPending || resumeOp.isPending;
  const target = kind === 'task' ? { task: name } : { queue: name };
  return (
    <span className="pause-control">
      {pause && <PausedBadge pause={pause} compact={compact} />}
      <button
        className={compact ? 'btn btn-small btn-quiet' : 'btn btn-small'}
        disabled={!canWrite || busy}
        title={canWrite ? undefined : 'Not connected, or the connection is read-only'}
        onClick={() => (pause ? resumeOp.mutate(target) : pauseOp.mutate(target))}
        data-testid={`${pause ? 'resume' : 'pause'}-${kind}-${name}`}
      >
        {pause ? 'Resume' : 'Pause'}
      </button>
    </span>
  );
}
