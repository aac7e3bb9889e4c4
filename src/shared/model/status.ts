import type { FailureMixSettings } from './demo.ts';

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

export interface EngineStatus {
  mode: 'electron' | 'web';
  dataDir: string;
  connection: ConnectionStatus;
  runner: RunnerStatus;
  demo: DemoStatus;
  /** Secrets can be stored encrypted on disk (Electron safeStorage); web mode keeps them in memory only. */
  secretsStorable: boolean;
}
