import type { UsageSummary } from '../../../../shared/model/usage.ts';
import { formatCount } from '../../format.ts';
import { costWithGap, formatTokens, perSuccessWithGap, unpricedFloor } from './usage-format.ts';

/** The window's headline figures: cost, tokens, cost per successful output, what failures burned. */
export function UsageCards({ summary }: { summary: UsageSummary }) {
  const t = summary.totals;
  const burned = summary.failures.reduce<number | null>((n, f) => (f.costUsd === null ? n : (n ?? 0) + f.costUsd), null);
  const burnedUnpriced = summary.failures.reduce((n, f) => n + f.unpricedAttempts, 0);
  const cards = [
    { key: 'cost', label: 'Cost', value: costWithGap(t), note: `${formatCount(t.attempts)} attempts with usage` },
    {
      key: 'tokens',
      label: 'Tokens in · out',
      value: `${formatTokens(t.inputTokens)} · ${formatTokens(t.outputTokens)}`,
      note: t.cachedInputTokens ? `${formatTokens(t.cachedInputTokens)} input tokens from cache` : 'no cached input',
    },
    {
      key: 'per-success',
      label: 'Cost per successful output',
      value: perSuccessWithGap(t),
      note: t.unpricedAttempts
        ? `${unpricedFloor(t.unpricedAttempts)}; ${formatCount(t.successes)} succeeded`
        : `${formatCount(t.successes)} succeeded; failed attempts included`,
    },
    {
      key: 'burned',
      label: 'Burned on failed attempts',
      value: t.failures ? costWithGap({ costUsd: burned, unpricedAttempts: burnedUnpriced }) : '$0',
      note: `${formatCount(t.failures)} failed attempts that reported usage (the Failures view counts them all)`,
      alarm: (burned ?? 0) > 0,
    },
  ];
  return (
    <div className="usage-cards" data-testid="usage-figures">
      {cards.map((c) => (
        <div key={c.key} className={c.alarm ? 'fail-card alarm' : 'fail-card'} data-testid={`usage-${c.key}`}>
          <div className="card-label">{c.label}</div>
          <div className="fail-card-value num">{c.value}</div>
          <div className="dim fail-card-note">{c.note}</div>
        </div>
      ))}
    </div>
  );
}
