import type { OverviewSnapshot } from '../model/overview.ts';
import type { EngineStatus } from '../model/status.ts';
import type { JobAction } from '../model/jobs.ts';
import type { BackfillRunRecord } from '../model/backfill.ts';
import type { RecoveryReport } from '../model/stuck.ts';
import type { BreakerEvent } from '../model/control.ts';
import type { AlertRecord } from '../model/alerts.ts';

/** Pushed to every window: over IPC in Electron, over server-sent events in a browser. */
export type JobdeckEvent =
  | { type: 'backfill'; run: BackfillRunRecord }
  | { type: 'status'; status: EngineStatus }
  /** A bulk job action's progress: `done` of `total` jobs handled so far. */
  | { type: 'action.progress'; actionId: string; action: JobAction; done: number; total: number; affected: number; skipped: number }
  | { type: 'overview'; snapshot: OverviewSnapshot }
  | { type: 'recovery'; report: RecoveryReport }
  /** A task or queue was paused or resumed from this console. */
  | { type: 'control' }
  /** A circuit breaker tripped (paused its task or queue) or resumed it. */
  | ({ type: 'breaker' } & BreakerEvent)
  /**
   * An alert episode started or resolved, a daily summary or a test message (already in the alert list).
   * `notify`: the operator wants a desktop notification of it.
   */
  | { type: 'alert'; message: 'firing' | 'resolved' | 'summary' | 'test'; alert: AlertRecord; notify: boolean }
  /** The desktop shell asks the page to open a view (an operator clicked a notification). */
  | { type: 'navigate'; path: string; params?: Record<string, string> };

export type JobdeckEventType = JobdeckEvent['type'];
