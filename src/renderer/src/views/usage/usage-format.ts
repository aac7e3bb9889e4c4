import type { UsageFigures, UsageSummary } from '../../../../shared/model/usage.ts';
import { formatCompact, formatCount, formatDuration } from '../../format.ts';

/** `$0.0012`, `$1.23`, `$1,234`: enough digits to tell small costs apart; null is "no price", never $0. */
export function formatUsd(v: number | null): string {
  if (v === null) return 'no price';
  if (v === 0) return '$0';
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 5;
  return `$${v.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** Tokens on a card or in a sentence: compact above ten thousand (`1.2M`), exact below. */
export function formatTokens(n: number | null): string {
  if (n === null) return '—';
  return n >= 10_000 ? formatCompact(n) : formatCount(n);
}

/** Tokens in a table column: always exact (`22,431` above `7,957`), so the rows compare at a glance. */
export function formatTokenCount(n: number | null): string {
  return n === null ? '—' : formatCount(n);
}

export const formatMs = (v: number | null) => (v === null ? '—' : formatDuration(v));

/** A cost with its gap: "$1.20 + 3 unpriced" when some attempts' model has no price. */
export function costWithGap(f: Pick<UsageFigures, 'costUsd' | 'unpricedAttempts'>): string {
  if (f.unpricedAttempts === 0 || f.costUsd === null) return formatUsd(f.costUsd);
  return `${formatUsd(f.costUsd)} + ${formatCount(f.unpricedAttempts)} unpriced`;
}

/**
 * Cost per successful output, where some attempts have no price: their cost is missing from the sum but their
 * successes are not from the count, so the figure is a floor, shown as one ("≥ $0.00029").
 */
export function perSuccessWithGap(f: { costPerSuccessUsd: number | null; unpricedAttempts: number }): string {
  if (f.unpricedAttempts === 0 || f.costPerSuccessUsd === null) return formatUsd(f.costPerSuccessUsd);
  return `≥ ${formatUsd(f.costPerSuccessUsd)}`;
}

/** Why a cost per successful output is a floor: "at least: 3 attempts have no price". */
export const unpricedFloor = (unpriced: number): string => `at least: ${formatCount(unpriced)} attempts have no price`;

const csvCell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The summary as CSV: one row per task, model, error type and time slot, each with the same columns. */
export function usageCsv(s: UsageSummary): string {
  const head = [
    'group',
    'key',
    'attempts',
    'successes',
    'failures',
    'input_tokens',
    'cached_input_tokens',
    'output_tokens',
    'reasoning_tokens',
    'cost_usd',
    'unpriced_attempts',
  ];
  const rows: (string | number | null)[][] = [head];
  const add = (group: string, key: string, f: UsageFigures) =>
    rows.push([
      group,
      key,
      f.attempts,
      f.successes,
      f.failures,
      f.inputTokens,
      f.cachedInputTokens,
      f.outputTokens,
      f.reasoningTokens,
      f.costUsd,
      f.unpricedAttempts,
    ]);
  add('total', s.window, s.totals);
  for (const t of s.byTask) add('task', t.task, t);
  for (const m of s.byModel) add('model', m.model || '(none)', m);
  for (const f of s.failures)
    rows.push([
      'failed_by_error_type',
      f.errorType,
      f.attempts,
      0,
      f.attempts,
      f.inputTokens,
      null,
      f.outputTokens,
      null,
      f.costUsd,
      f.unpricedAttempts,
    ]);
  for (const d of s.series) if (d.attempts > 0) add(s.slot, d.at, d);
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** Offers text as a file. */
export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
