/**
 * The messages between the hosted runner (host.ts, on the console's thread) and graphile-worker on its own thread
 * (entry.ts). Plain data only: they are copied across (structured clone).
 */
import type { JobdeckOptions } from '../../../worker/index.ts';
import type { LlmConfig } from '../../demo/llm-client.ts';

/** Where the runner's tasks come from: loaded on its thread, where they run. */
export type ThreadTaskSource = { kind: 'directory'; path: string } | { kind: 'demo'; llm: LlmConfig } | { kind: 'none' };

export interface ThreadRunnerOptions {
  connectionString: string;
  concurrency: number;
  source: ThreadTaskSource;
  /**
   * Tasks whose functions live on the console's thread (Jobdeck's own, the tests'): the runner's thread calls them
   * back there, with `job`, `logger` and `abortSignal` as their helpers.
   */
  remoteTasks: string[];
  crontab?: string;
  pollInterval: number;
  companion?: JobdeckOptions;
}

/** A job as the console hears of it: what its cancels and status need, not the whole row. */
export interface ThreadJob {
  id: string;
  task: string;
}

export type JobEventKind = 'start' | 'success' | 'error' | 'cancelled';

export interface ThreadStopReport {
  aborted: number;
  timedOut: boolean;
  /** Every task of the pool has ended: its jobs may be settled. */
  stopped: boolean;
  /** Tasks that ignored their abort signal, still running. */
  stillRunning: number;
}

/** The stop of a pool that had nothing running (none started, or stopped already). */
export const NOTHING_TO_STOP: ThreadStopReport = { aborted: 0, timedOut: false, stopped: true, stillRunning: 0 };

export type ToThread =
  | { type: 'start'; options: ThreadRunnerOptions }
  | { type: 'stop'; timeoutMs: number }
  | { type: 'abort'; jobId: string; reason: 'cancel' | 'shutdown' }
  | { type: 'remote-task-done'; call: number; error: { message: string; stack?: string } | null };

export type FromThread =
  | { type: 'started'; tasks: string[] }
  | { type: 'start-failed'; message: string }
  | { type: 'pool'; poolId: string }
  | { type: 'jobs'; events: Array<{ kind: JobEventKind; job: ThreadJob }> }
  | { type: 'outage' }
  | { type: 'reconnected' }
  | { type: 'exited'; message: string }
  | { type: 'stopped'; report: ThreadStopReport }
  | { type: 'companion'; stats: Record<string, unknown> | null }
  | { type: 'log'; level: string; label: string | undefined; message: string }
  | { type: 'remote-task'; call: number; name: string; payload: unknown; job: unknown }
  | { type: 'remote-task-abort'; call: number; reason: string };
