import type { WorkerInfo, WorkerLiveness } from '../../../../shared/model/workers.ts';
import { countOf, formatAge, formatAgo, formatDateTime, shortPoolId } from '../../format.ts';
import { href } from '../../router.ts';
import { RunningJobs, type RunningJobsProps } from './RunningJobs.tsx';

const LIVENESS: Record<WorkerLiveness, string> = {
  alive: 'alive',
  stopped: 'stopped',
  gone: 'gone',
  unknown: 'not reporting',
};

const SOURCE: Record<WorkerInfo['source'], string> = {
  hosted: 'this console',
  companion: 'companion',
  watched: 'watched only',
};

/** Task names listed in a row before "and N more" (all of them in the tooltip). */
const TASKS_SHOWN = 4;

/** A row shows what its running jobs show, and more of the same worker. */
type Props = RunningJobsProps;

/** How long it has run: until now while alive; a gone worker's time ends at its last heartbeat, not at the clock. */
function uptime(w: WorkerInfo, now: number): string {
  if (w.stoppedAt) return `stopped ${formatDateTime(w.stoppedAt)}`;
  // The line above says since when: "heartbeat 20 s ago".
  if (w.liveness === 'gone' && w.lastHeartbeatAt && w.startedAt)
    return `ran ${formatAge(Math.max(0, Date.parse(w.lastHeartbeatAt) - Date.parse(w.startedAt)))}`;
  return `up ${formatAge(now - Date.parse(w.startedAt!))}`;
}

/** One worker process: who it is, whether it lives, what it may run and what it runs now. */
export function WorkerRow({ worker: w, now, blocked, pending, onCancel }: Props) {
  return (
    <tr data-testid={`worker-${w.poolId}`} data-source={w.source} className={`worker-row worker-${w.liveness}`}>
      <td>
        <div className="worker-id" title={w.poolId}>
          {shortPoolId(w.poolId)}
          <span className={`badge worker-source worker-source-${w.earlierRunner ? 'hosted' : w.source}`}>
            {w.earlierRunner ? 'this console, earlier' : SOURCE[w.source]}
          </span>
        </div>
        <div className="worker-facts">
          <span data-testid="worker-host" title={w.host ?? undefined}>
            {/* Every worker by its host name, this console's own too: one machine reads the same in every row. */}
            {w.host || w.pid ? `${w.host ?? 'this machine'} · ${w.pid ?? '?'}` : 'host unknown'}
          </span>
          <span data-testid="worker-version">
            {w.graphileWorkerVersion
              ? `graphile-worker ${w.graphileWorkerVersion}`
              : w.source === 'hosted'
                ? 'hosted runner'
                : 'version unknown'}
          </span>
          {w.concurrency !== null && (
            <span>
              concurrency <span data-testid="worker-concurrency">{w.concurrency}</span>
            </span>
          )}
        </div>
        {w.recording?.state === 'not_recording' && (
          <div className="worker-recording warn-text" data-testid="worker-not-recording">
            {w.recording.message}
          </div>
        )}
        {w.tasks.length > 0 && (
          <div className="worker-tasks" title={w.tasks.join(', ')} data-testid="worker-tasks">
            {countOf(w.tasks.length, 'task')}:{' '}
            {w.tasks.slice(0, TASKS_SHOWN).map((task, i) => (
              <span key={task}>
                {i > 0 && ', '}
                <a className="mono" href={href('jobs', { task })} title={`Open the jobs of ${task}`}>
                  {task}
                </a>
              </span>
            ))}
            {w.tasks.length > TASKS_SHOWN ? ` and ${w.tasks.length - TASKS_SHOWN} more` : ''}
          </div>
        )}
      </td>
      <td>
        <span className={`badge worker-live worker-live-${w.liveness}`} title={w.reason} data-testid="worker-liveness">
          {LIVENESS[w.liveness]}
        </span>
        <div className="worker-facts">
          <span data-testid="worker-heartbeat" title={w.reason}>
            {w.lastHeartbeatAt
              ? `heartbeat ${formatAgo(Math.max(0, now - Date.parse(w.lastHeartbeatAt)))}`
              : w.source === 'hosted'
                ? 'in this process'
                : 'no heartbeat'}
          </span>
          {(w.stoppedAt || w.startedAt) && (
            <span title={w.startedAt ? `Started ${formatDateTime(w.startedAt)}` : undefined} data-testid="worker-uptime">
              {uptime(w, now)}
            </span>
          )}
        </div>
      </td>
      <td>
        <RunningJobs worker={w} now={now} blocked={blocked} pending={pending} onCancel={onCancel} />
      </td>
    </tr>
  );
}
