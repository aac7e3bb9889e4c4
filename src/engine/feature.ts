import type { TaskList } from 'graphile-worker';
import type { Session } from './session.ts';
import type { RunnerJobEvent } from './runner/host.ts';

/**
 * A part of the engine that follows its lifecycle (history sync, recovery, backfill schedules, ...).
 * Features are listed in `features.ts`; every hook is optional and failures in one are logged, never fatal.
 */
export interface EngineFeature {
  name: string;
  /** A session is connected and its schema inspected (the database may still lack graphile-worker). */
  onSessionOpen?(session: Session): void | Promise<void>;
  /** The session is about to close (switching connection, quitting). */
  onSessionClose?(session: Session): void | Promise<void>;
  /** A job event from the hosted runner (exact: start, success, error, cancelled). */
  onRunnerJob?(event: RunnerJobEvent, session: Session): void;
  /** The hosted runner created its pool (`poolId`) for `session`'s database. */
  onRunnerPool?(poolId: string, session: Session): void | Promise<void>;
  /** Extra tasks for the hosted runner (e.g. Jobdeck's own scheduled work). */
  tasks?(session: Session): TaskList;
  /** Extra crontab lines for the hosted runner (graphile-worker's crontab format). */
  crontab?(session: Session): string[];
  /** The engine is stopping: clear timers, flush writes. */
  stop?(): void | Promise<void>;
}
