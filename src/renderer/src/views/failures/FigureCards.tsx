import type { HistorySummary } from '../../../../shared/model/history.ts';
import { countOf, formatCount, formatDuration, formatPercent } from '../../format.ts';

// A figure too wide for its card wraps between avg and p95, never inside one (formatDuration's no-break space).
const ms = (v: number | null) => (v === null ? '—' : formatDuration(v));

/** The window's headline figures: failures, success rates, throughput, processing time. */
export function FigureCards({ summary }: { summary: HistorySummary }) {
  // Computed by the engine over the time history covers, so a young history is not diluted by the window.
  const perMinute = summary.perMinute;
  const ended = summary.ended24h;
  const attemptRate = (ok: number, failed: number) => (ok + failed > 0 ? failed / (ok + failed) : null);
  const attemptFailures = attemptRate(summary.successes, summary.failures);
  const cards = [
    { key: 'failures', label: 'Failed attempts', value: formatCount(summary.failures), alarm: false },
    {
      // What operators read as "how many jobs ended well": final outcomes only. The alarm follows it.
      key: 'rate24h',
      label: 'Jobs that ended well, last 24 h',
      value: !ended || ended.successRate === null ? '—' : formatPercent(ended.successRate),
      note: ended
        ? `${formatCount(ended.succeeded)} succeeded · ${formatCount(ended.failed)} failed for good`
        : 'final outcomes: succeeded, or failed with no attempt left',
      alarm: !!ended && ended.successRate !== null && ended.successRate < 0.9,
    },
    // Over the 24-hour window the same figure as the card before: shown once.
    summary.window !== '24h' && {
      key: 'rate',
      label: 'Jobs that ended well, this window',
      value: !summary.ended || summary.ended.successRate === null ? '—' : formatPercent(summary.ended.successRate),
      note: summary.ended ? `${countOf(summary.ended.succeeded + summary.ended.failed, 'job')} ended` : undefined,
      alarm: false,
    },
    {
      // Retries that later succeed fail attempts, not jobs: shown apart, never as the success rate.
      key: 'attempt-failures',
      label: 'Attempts that failed, this window',
      value: attemptFailures === null ? '—' : formatPercent(attemptFailures),
      note: `${formatCount(summary.failures)} of ${formatCount(summary.failures + summary.successes)} attempts; retries may still succeed`,
      alarm: false,
    },
    {
      // Attempts, failed ones included: "Throughput" with only the successes beside it read as jobs done a minute.
      key: 'throughput',
      // Under one a minute, the rate per hour, and the label says so.
      label: perMinute >= 1 ? 'Attempts per minute' : 'Attempts per hour',
      value: perMinute >= 1 ? `${perMinute.toFixed(1)}/min` : `${(perMinute * 60).toFixed(1)}/h`,
      note: `${formatCount(summary.successes)} succeeded, ${formatCount(summary.failures)} failed`,
      alarm: false,
    },
    {
      key: 'duration',
      label: 'Processing time avg · p95',
      value: `${ms(summary.durations.avgMs)} · ${ms(summary.durations.p95Ms)}`,
      note: summary.durations.count
        ? `${countOf(summary.durations.count, 'run')} timed by workers that report`
        : 'timed for this console’s runner and workers with the companion',
      alarm: false,
    },
  ].filter((c) => c !== false);
  return (
    <div className="fail-cards" data-testid="failure-figures">
      {cards.map((c) => (
        <div key={c.key} className={c.alarm ? 'fail-card alarm' : 'fail-card'} data-testid={`figure-${c.key}`}>
          <div className="card-label">{c.label}</div>
          <div className={c.value.length > 10 ? 'fail-card-value num long' : 'fail-card-value num'}>{c.value}</div>
          {c.note && <div className="dim fail-card-note">{c.note}</div>}
        </div>
      ))}
    </div>
  );
}
