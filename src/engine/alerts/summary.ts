import type { AlertField } from '../../shared/model/alerts.ts';
import type { AlertSources } from './sources.ts';
import { percent, plural, usd, utcDay } from './format.ts';

/**
 * The daily summary: the last 24 hours' failures by type and successes (the failure history), the backlog now
 * (the monitor's counts) and the spend (the usage rollups). Each part that cannot be read says so rather than
 * stopping the rest.
 */
export async function dailySummary(sources: AlertSources, now: number): Promise<{ title: string; text: string; fields: AlertField[] }> {
  const lines: string[] = [];
  const fields: AlertField[] = [];
  try {
    const h = await sources.history('24h');
    const attempts = h.failures + h.successes;
    lines.push(
      `Last 24 h: ${plural(h.successes, 'success', 'successes')}, ${plural(h.failures, 'failed attempt')}${attempts ? ` (${percent(h.failures / attempts)} failed)` : ''}.`,
    );
    if (h.byType.length) lines.push(`Failures by type: ${h.byType.map((t) => `${t.type} ${t.count}`).join(', ')}.`);
    fields.push({ title: 'Successes', value: String(h.successes) }, { title: 'Failed attempts', value: String(h.failures) });
    for (const t of h.byType.slice(0, 6)) fields.push({ title: `Failures: ${t.type}`, value: String(t.count) });
  } catch (error) {
    lines.push(`Failure history unavailable: ${(error as Error).message}.`);
  }
  const snapshot = sources.snapshot();
  if (snapshot) {
    const t = snapshot.totals;
    lines.push(
      `Backlog now: ${plural(t.ready, 'job')} ready, ${t.retrying} waiting to retry, ${t.scheduled} scheduled, ${t.running} running, ${t.failed} permanently failed.`,
    );
    fields.push(
      { title: 'Backlog (ready + retrying)', value: String(t.ready + t.retrying) },
      { title: 'Permanently failed', value: String(t.failed) },
    );
  } else {
    lines.push('Backlog now: unknown (not connected).');
  }
  try {
    const u = await sources.usage();
    lines.push(
      `LLM spend, last 24 h: ${usd(u.totals.costUsd)} over ${plural(u.totals.attempts, 'attempt')}${u.totals.unpricedAttempts ? ` (${u.totals.unpricedAttempts} without a price)` : ''}.`,
    );
    fields.push({ title: 'Spend (24 h)', value: usd(u.totals.costUsd) });
  } catch (error) {
    lines.push(`Usage unavailable: ${(error as Error).message}.`);
  }
  const connection = sources.active()?.label;
  return { title: `Daily summary for ${utcDay(now)}${connection ? ` (${connection})` : ''}`, text: lines.join('\n'), fields };
}
