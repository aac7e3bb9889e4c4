import type { OverviewSnapshot } from '../../shared/model/overview.ts';
import type { StuckReport } from '../../shared/model/stuck.ts';
import type { WorkersList } from '../../shared/model/workers.ts';
import type { HistorySummary } from '../../shared/model/history.ts';
import type { UsageSummary } from '../../shared/model/usage.ts';

/**
 * What the rules read: figures other domains already compute (the monitor's counts, the Stuck report, the
 * workers' liveness, the failure history, the usage rollups). The composition root wires each to its owner.
 */
export interface AlertSources {
  /** The active connection, or null (none, offline). */
  active(): { id: string; label: string } | null;
  /** The monitor's latest counts of the active database. */
  snapshot(): OverviewSnapshot | null;
  stuck(): Promise<StuckReport>;
  /** Per task: due jobs and how long the oldest has waited (the Stuck view's query, unfiltered). */
  due(): Promise<{ task: string; due: number; waiting_ms: number }[]>;
  workers(): Promise<WorkersList>;
  /** The failure history of the active connection (per-minute buckets for 1h, quarter hours for 24h). */
  history(window: '1h' | '24h', task?: string): Promise<HistorySummary>;
  /** Error type slugs the classifier knows (built-in and the operator's), to refuse a rule naming another. */
  errorTypes(): Promise<string[]>;
  /** The usage rollups of the active connection over the last 24 hours (hourly slots). */
  usage(): Promise<UsageSummary>;
}
