import type { FailureMixSettings } from './demo.ts';
import type { RunningJob } from './workers.ts';

export type ConnectionState = 'none' | 'connecting' | 'online' | 'offline' | 'error';

export interface SchemaInfo {
  /** graphile-worker's schema exists in the database. */
  installed: boolean;
  /** Highest graphile-worker migration applied, or null when not installed. */
  version: number | null;
  /** Highest migration this build of Jobdeck knows. */
  knownVersion: number;
  /** Migrated by a newer graphile-worker than Jobdeck knows: Jobdeck only watches. */
  tooNew: boolean;
}

export interface ConnectionStatus {
  state: ConnectionState;
  profileId: string | null;
  name: string | null;
  /** Connection string with the password masked. */
  display: string | null;
  error: string | null;
  serverVersion: string | null;
  schema: SchemaInfo | null;
  /** Why actions are refused, or null when they are allowed. */
  readOnlyReason: string | null;
  lastSnapshotAt: string | null;
  /** Reconnect attempts since the connection was lost. */
  retries: number;
  /** While the database does not answer: the next attempt and when it is due; null otherwise. */
  retry: ConnectionRetry | null;
}

/** "retrying in N s (attempt k)": `attempt` counts the tries after the first failure (1 for the first retry). */
export interface ConnectionRetry {
  attempt: number;
  /** When the next attempt starts (ISO time). */
  at: string;
  /** The wait before it, as chosen when it was scheduled (ms). */
  delayMs: number;
}

/** The retry due `delayMs` from now: one shape for the start-up retries and for a lost connection's. */
export function scheduledRetry(attempt: number, delayMs: number, now = Date.now()): ConnectionRetry {
  return { attempt, at: new Date(now + delayMs).toISOString(), delayMs };
}

/** "retrying in 4 s (attempt 3)": the words the console and the terminal show for a retry. */
export function describeRetry(retry: ConnectionRetry, now = Date.now()): string {
  const seconds = Math.max(0, Math.ceil((Date.parse(retry.at) - now) / 1000));
  return seconds > 0 ? `retrying in ${seconds} s (attempt ${retry.attempt})` : `retrying now (attempt ${retry.attempt})`;
}

export type RunnerState = 'stopped' | 'starting' | 'running' | 'stopping' | 'error';

export interface RunnerStatus {
  state: RunnerState;
  concurrency: number;
  /** 'demo', or the task directory the operator chose. */
  taskSource: string | null;
  tasks: string[];
  poolId: string | null;
  runningJobs: number;
  /**
   * Those jobs (as many as runningJobs), from the runner's own job events: live with every status, where the Workers
   * view's list of other workers is read every few seconds. `since` is when the console heard of the start.
   */
  running: RunningJob[];
  error: string | null;
  /** Why the runner cannot start here (no connection, watch-only schema, ...), or null. */
  unavailableReason: string | null;
}

export interface DemoStatus {
  active: boolean;
  ratePerSecond: number;
  mix: FailureMixSettings;
  llmBaseUrl: string | null;
}

/** Something that happened to Jobdeck's own SQLite file, shown as a banner until Jobdeck restarts. */
export interface StoreIncident {
  kind: 'damaged' | 'missing' | 'emptied' | 'restored' | 'deleted_while_running' | 'damaged_while_running';
  at: string;
  file: string;
  /** Where the damaged file (or the saved copy of a deleted one) now is. */
  movedTo: string | null;
  /** What happened and what Jobdeck did, in a sentence or two. */
  detail: string;
  /** What is not in the file Jobdeck now uses. */
  lost: string;
}

export interface EngineStatus {
  mode: 'electron' | 'web';
  dataDir: string;
  /** Jobdeck's SQLite file and what happened to it (empty when nothing did). */
  store: { file: string; incidents: StoreIncident[] };
  connection: ConnectionStatus;
  runner: RunnerStatus;
  demo: DemoStatus;
  /** Secrets can be stored encrypted on disk (Electron safeStorage); web mode keeps them in memory only. */
  secretsStorable: boolean;
}
