import type { HistorySummary } from '../../../../shared/model/history.ts';
import { countOf, formatCount, formatPercent } from '../../format.ts';

const ms = (v: number | null) => (v === null ? '—' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`);

/** The window's headline figures: failures, success rates, throughput, processing time. */
export function FigureCards({ summary }: { summary: HistorySummary }) {
  // Computed by the engine over the time history covers, so a young history is not diluted by the window.
  const perMinute = summary.perMinute;
  const cards = [
    { key: 'failures', label: 'Failed attempts', value: formatCount(summary.failures), alarm: summary.failures > 0 },
    {
      key: 'rate24h',
      label: 'Success rate, last 24 h',
      value: summary.successRate24h === null ? '—' : formatPercent(summary.successRate24h),
      alarm: summary.successRate24h !== null && summary.successRate24h < 0.9,
    },
    {
      key: 'rate',
      label: 'Success rate, this window',
      value: summary.successRate === null ? '—' : formatPercent(summary.successRate),
      alarm: false,
    },
    {
      key: 'throughput',
      label: 'Throughput',
      value: perMinute >= 1 ? `${perMinute.toFixed(1)}/min` : `${(perMinute * 60).toFixed(1)}/h`,
      note: `${formatCount(summary.successes)} succeeded`,
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
  ];
  return (
    <div className="fail-cards" data-testid="failure-figures">
      {cards.map((c) => (
        <div key={c.key} className={c.alarm ? 'fail-card alarm' : 'fail-card'} data-testid={`figure-${c.key}`}>
          <div className="card-label">{c.label}</div>
          <div className="fail-card-value num">{c.value}</div>
          {c.note && <div className="dim fail-card-note">{c.note}</div>}
        </div>
      ))}
    </div>
  );
}
