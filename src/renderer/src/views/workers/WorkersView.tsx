import { errorMessage } from '../../api/client.ts';
import { useOp } from '../../data/use-op.ts';
import { useNow } from '../../hooks/useNow.ts';
import type { WorkerInfo, WorkerLiveness } from '../../../../shared/model/workers.ts';
import { countOf, formatAge, formatDateTime, shortPoolId } from '../../format.ts';
import { href } from '../../router.ts';
import './workers.css';

/** Heartbeats are written by the workers, not announced to the console: read the list again this often. */
const REFRESH_MS = 5_000;

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

/** Every worker process (Sidekiq's Processes, Oban's Nodes): who runs, since when, and what it runs now. */
export function WorkersView() {
  const list = useOp('workers.list', {}, { refetchInterval: REFRESH_MS });
  const now = useNow();
  const data = list.data;
  const error = list.error ? errorMessage(list.error) : null;
  return (
    <div className="workers-view">
      <div className="view-head">
        <h1>Workers</h1>
        <span className="view-note">
          {data ? `${countOf(data.alive, 'worker')} alive · ` : ''}
          exact for workers with the companion (<code>jobdeck/worker</code>) and for this console's runner; others are seen only through the
          jobs they hold.
        </span>
      </div>
      {error && <div className="form-error">{error}</div>}
      {data && !data.companionInstalled && (
        <div className="panel workers-hint" data-testid="workers-no-companion">
          No worker has reported yet: add <code>extends: [JobdeckPreset]</code> from <code>jobdeck/worker</code> to your workers'
          graphile-worker preset to see them here with their heartbeat, and to cancel their running jobs.
        </div>
      )}
      <section className="panel">
        <table className="workers-table" data-testid="workers-table">
          <thead>
            <tr>
              <th>Worker</th>
              <th>State</th>
              <th>Host · pid</th>
              <th className="num">Concurrency</th>
              <th>Up since</th>
              <th>Heartbeat</th>
              <th>Running now</th>
            </tr>
          </thead>
          <tbody>
            {data?.workers.length === 0 && (
              <tr>
                <td colSpan={7} className="table-empty">
                  No worker holds a job or reports now.
                </td>
              </tr>
            )}
            {data?.workers.map((w) => (
              <WorkerRow key={w.poolId} worker={w} now={now} />
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function WorkerRow({ worker: w, now }: { worker: WorkerInfo; now: number }) {
  return (
    <tr data-testid={`worker-${w.poolId}`} className={`worker-row worker-${w.liveness}`}>
      <td>
        <div className="worker-id" title={w.poolId}>
          {shortPoolId(w.poolId)}
        </div>
        <div className="worker-sub">
          {SOURCE[w.source]}
          {w.graphileWorkerVersion ? ` · graphile-worker ${w.graphileWorkerVersion}` : ''}
          {w.tasks.length ? ` · ${countOf(w.tasks.length, 'task')}` : ''}
        </div>
      </td>
      <td>
        <span className={`badge worker-live worker-live-${w.liveness}`} title={w.reason} data-testid="worker-liveness">
          {LIVENESS[w.liveness]}
        </span>
      </td>
      <td>{w.host || w.pid ? `${w.host ?? 'this machine'} · ${w.pid ?? '?'}` : '—'}</td>
      <td className="num">{w.concurrency ?? '—'}</td>
      <td title={w.startedAt ? formatDateTime(w.startedAt) : undefined}>
        {w.stoppedAt ? `stopped ${formatDateTime(w.stoppedAt)}` : w.startedAt ? `${formatAge(now - Date.parse(w.startedAt))}` : '—'}
      </td>
      <td>{w.lastHeartbeatAt ? `${formatAge(Math.max(0, now - Date.parse(w.lastHeartbeatAt)))} ago` : '—'}</td>
      <td>
        {w.running.length === 0 ? (
          <span className="muted">idle</span>
        ) : (
          <ul className="worker-jobs">
            {w.running.slice(0, 8).map((j) => (
              <li key={j.jobId}>
                <a href={href(`jobs/${j.jobId}`)}>#{j.jobId}</a> {j.task} · {formatAge(Math.max(0, now - Date.parse(j.since)))}
              </li>
            ))}
            {w.running.length > 8 && <li className="muted">and {w.running.length - 8} more</li>}
          </ul>
        )}
      </td>
    </tr>
  );
}
