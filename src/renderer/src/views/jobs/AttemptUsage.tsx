import type { AttemptUsage } from '../../../../shared/model/usage.ts';
import { formatCount } from '../../format.ts';

const usd = (v: number) => `$${v.toFixed(v >= 1 ? 2 : v >= 0.01 ? 4 : 6)}`;

const COST_SOURCE: Record<AttemptUsage['costSource'], string> = {
  task: 'given by the task',
  price_table: 'from the price table',
  no_price: 'no price for this model',
};

/** One attempt's model, tokens and cost (or "no price"); nothing reported: a dash. */
export function AttemptUsageCell({ usage }: { usage: AttemptUsage | null }) {
  if (!usage) return <span className="dim">—</span>;
  const tokens = [
    `${formatCount(usage.inputTokens ?? 0)} in`,
    usage.cachedInputTokens ? `(${formatCount(usage.cachedInputTokens)} cached)` : null,
    `${formatCount(usage.outputTokens ?? 0)} out`,
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className="attempt-usage" data-testid="attempt-usage">
      <div className="mono">{usage.model ?? <span className="dim">(no model named)</span>}</div>
      <div className="dim">{tokens}</div>
      <div title={COST_SOURCE[usage.costSource]} className={usage.costUsd === null ? 'dim' : undefined}>
        {usage.costUsd === null ? 'no price' : usd(usage.costUsd)}
      </div>
      {usage.timeToFirstTokenMs !== null ? <div className="dim">first token {Math.round(usage.timeToFirstTokenMs)} ms</div> : null}
    </div>
  );
}

/** The model's raw output the companion kept (a failed attempt's, by default): what did not parse. */
export function RawOutput({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <details className="attempt-raw" data-testid="attempt-raw-output">
      <summary>Model output ({formatCount(text.length)} characters)</summary>
      <pre>{text}</pre>
    </details>
  );
}
