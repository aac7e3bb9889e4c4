import type { HostedRecording } from './history.ts';

/** Whether a worker process still runs, and how Jobdeck knows. */
export type WorkerLiveness =
  /** Heartbeat recent (companion), or Jobdeck's own running runner. */
  | 'alive'
  /** Said so itself when it shut down cleanly. */
  | 'stopped'
  /** Its heartbeat is more than three intervals late: the process died or lost the database. */
  | 'gone'
  /** No companion: only its locks are seen, so nothing is known of the process. */
  | 'unknown';

/**
 * How Jobdeck knows whether a pool runs: this console's runner records (its own pools), the companion's
 * heartbeat, or only the locks it holds (liveness unknown: judged from the age of its newest lock).
 */
export type LivenessSource = 'runner' | 'companion' | 'locks';

/** A job a worker holds now. */
export interface RunningJob {
  jobId: string;
  task: string;
  /** Its named queue; null for none, and in this console's live list (RunnerStatus.running), which does not know it. */
  queue: string | null;
  /** When the worker took it (graphile-worker's locked_at); in RunnerStatus.running, when the console heard of it. */
  since: string;
}

export interface WorkerInfo {
  /** graphile-worker's pool id, as written in `locked_by`. */
  poolId: string;
  /** hosted: this console's runner; companion: reports through `jobdeck/worker`; watched: seen only in locks. */
  source: 'hosted' | 'companion' | 'watched';
  liveness: WorkerLiveness;
  /** How the liveness was decided, in words. */
  reason: string;
  host: string | null;
  pid: number | null;
  graphileWorkerVersion: string | null;
  concurrency: number | null;
  tasks: string[];
  startedAt: string | null;
  lastHeartbeatAt: string | null;
  stoppedAt: string | null;
  running: RunningJob[];
  /** The hosted runner only: whether its companion records its attempts, and why not (see HostedRecording). */
  recording?: HostedRecording | null;
  /** A companion row of an earlier runner pool of this console (stopped, or gone with an earlier run of it). */
  earlierRunner?: boolean;
}

export interface WorkersList {
  at: string;
  /** The `jobdeck` schema exists in this database (some worker has run the companion). */
  companionInstalled: boolean;
  workers: WorkerInfo[];
  /** Workers known alive (hosted and companion); watched pools are not counted. */
  alive: number;
}
