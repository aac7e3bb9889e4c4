import { useOp } from '../data/use-op.ts';
import { href } from '../router.ts';
import { countOf, formatCount } from '../format.ts';

/** Heartbeats are written by the workers, not announced to the console: read the list again this often. */
const REFRESH_MS = 5_000;

/**
 * The overview's line on the worker processes: how many are alive, and the ones that need a look (gone) or that
 * Jobdeck only infers (watched, no companion). A link to the Workers view.
 */
export function WorkersSummary() {
  const data = useOp('workers.list', {}, { refetchInterval: REFRESH_MS }).data;
  if (!data) return null;
  const gone = data.workers.filter((w) => w.liveness === 'gone' && w.running.length > 0).length;
  const watched = data.workers.filter((w) => w.source === 'watched').length;
  return (
    <a className={gone ? 'workers-summary warn' : 'workers-summary'} href={href('workers')} data-testid="workers-summary">
      <span className={data.alive ? 'dot ok' : 'dot'} aria-hidden />
      {countOf(data.alive, 'worker')} alive
      {gone > 0 && <span> · {formatCount(gone)} gone with jobs held</span>}
      {watched > 0 && <span className="dim"> · {formatCount(watched)} watched only</span>}
    </a>
  );
}
