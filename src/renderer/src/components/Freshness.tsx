import { useNow } from '../hooks/useNow.ts';
import { formatAgo, formatClock, formatCount } from '../format.ts';
import type { OverviewSnapshot } from '../../../shared/model/overview.ts';
import { JOB_STATES } from '../../../shared/model/job-state.ts';

/** Counts older than this are flagged: the monitor counts every few seconds when all is well. */
const STALE_MS = 20_000;

/**
 * What the dot pulses on (besides its first appearance): the state totals having changed, not every count (about
 * one a second), so a quiet queue shows a still page. Jobs coming and going in equal numbers within a count leave
 * the totals, and the dot, as they were.
 */
const countsKey = (snapshot: OverviewSnapshot) => JOB_STATES.map((s) => snapshot.totals[s]).join(',');

/**
 * "Updated 2 s ago · count query 4 ms", or, while the job tables have not changed since the last count, "Updated
 * just now · tables unchanged since 10:42:05": how far to trust the numbers.
 */
export function Freshness({ snapshot, offline }: { snapshot: OverviewSnapshot | null; offline: boolean }) {
  const now = useNow(1000);
  if (!snapshot) return <span className="freshness dim">Waiting for the first count…</span>;
  const age = now - Date.parse(snapshot.at);
  const stale = offline || age > STALE_MS;
  const counted = snapshot.countedAt ?? snapshot.at;
  const how =
    snapshot.rangesRead === undefined
      ? ''
      : ` (reading again only ${formatCount(snapshot.rangesRead)} id ranges: those the history watcher found changed, and those whose waiting jobs fell due; the rest kept from earlier counts)`;
  const title =
    counted === snapshot.at
      ? `Counted at ${formatClock(counted)}${how}`
      : `Counted at ${formatClock(counted)}${how}; the job tables were checked unchanged at ${formatClock(snapshot.at)}, and jobs that fell due since were moved to Ready`;
  return (
    <span className={stale ? 'freshness stale' : 'freshness'} data-testid="freshness" title={title}>
      <span className={stale ? 'pulse-dot off' : 'pulse-dot'} aria-hidden="true" key={countsKey(snapshot)} />
      {offline ? 'Last counted' : 'Updated'} <span className="num age">{formatAgo(age)}</span>
      <span className="sep">·</span>
      {counted === snapshot.at ? (
        <>
          count query <span className="num">{formatCount(snapshot.queryMs)} ms</span>
        </>
      ) : (
        <>
          tables unchanged since <span className="num">{formatClock(counted)}</span>
        </>
      )}
    </span>
  );
}
