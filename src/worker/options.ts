/**
 * Settings of the companion, given in the graphile-config preset under `jobdeck`:
 * `preset: { extends: [JobdeckPreset], jobdeck: { flushIntervalMs: 1000 } }`.
 */
export interface JobdeckOptions {
  /** false turns the companion off (the preset then does nothing). Default true. */
  enabled?: boolean;
  /**
   * Where to write. Default: the worker's own database (its connectionString, or the settings of the pgPool
   * you gave graphile-worker, or the PG* environment variables).
   */
  connectionString?: string;
  /** Attempts are written at most once per interval, in one statement. Default 250 ms. */
  flushIntervalMs?: number;
  /** Heartbeat (and the check for cancel requests missed by LISTEN). Default 5,000 ms. */
  heartbeatIntervalMs?: number;
  /** Create or upgrade the jobdeck schema when missing or behind. false: a DBA applies it. Default true. */
  migrate?: boolean;
  /** LISTEN for cancel requests (else they are seen at the next heartbeat). Default true. */
  listen?: boolean;
  /** Attempts older than this are deleted. Default 14 days. */
  retentionDays?: number;
  /** Per-minute rollups older than this are deleted. Default 90 days. */
  rollupRetentionDays?: number;
  /** How often a worker tries to take the retention lock. Default 10 minutes (jittered). 0 disables retention. */
  retentionIntervalMs?: number;
  /** Rows deleted per retention statement. Default 5,000. */
  retentionBatchSize?: number;
  /** Attempts kept in memory while the database cannot be written; the oldest are dropped beyond. Default 50,000. */
  maxBufferedAttempts?: number;
  /** Rows per INSERT statement (a backlog after an outage is written in several). Default 2,000. */
  maxRowsPerStatement?: number;
  /** The final flush at shutdown gives up after this. Default 2,000 ms. */
  shutdownFlushTimeoutMs?: number;
  /** A cancelled job still running after this is marked 'not_honoured'. Default 30,000 ms. */
  cancelTimeoutMs?: number;
  /** Rollup shards (rows per task and minute) to spread concurrent upserts. Default 16. */
  rollupShards?: number;
  /**
   * Run each task inside AsyncLocalStorage, so that recordUsage() and jobAbortSignal() find their job anywhere
   * without the `helpers` argument. Default 'auto': on where it costs next to nothing (Node 24; Node 22 with
   * --experimental-async-context-frame); elsewhere off until the process first makes such a call, then on for every
   * job started after it (the call itself is given to its job when only one job started before is running; see
   * async-context.ts). On Node 20 the first AsyncLocalStorage in a process turns on V8's promise hooks: 25-40 µs per
   * noop job. true: always on (every call found from the first job). false: never (pass `helpers` instead).
   */
  asyncContext?: boolean | 'auto';
  /**
   * NOTIFY "jobdeck:attempts" after a flush at most once per this many ms (0: after every flush that wrote;
   * -1: never, the console then polls). Default 0.
   */
  notifyIntervalMs?: number;
  /**
   * Which attempts keep the raw model output given to recordUsage({ rawOutput }) (at most 64 KiB each): 'failures'
   * (default: to diagnose an answer that did not parse), 'all', or 'none'.
   */
  keepRawOutput?: 'failures' | 'all' | 'none';
  /**
   * How often the pool reads jobdeck.pauses (it also reads them at once on NOTIFY "jobdeck:pause"). A paused task
   * is not taken from the next fetch on. 0: this pool obeys no pauses. Default 1,000 ms.
   */
  pauseCheckIntervalMs?: number;
}

export type ResolvedJobdeckOptions = Required<Omit<JobdeckOptions, 'connectionString'>> & {
  connectionString: string | undefined;
};

export const DEFAULT_OPTIONS: ResolvedJobdeckOptions = {
  enabled: true,
  connectionString: undefined,
  flushIntervalMs: 250,
  heartbeatIntervalMs: 5_000,
  migrate: true,
  listen: true,
  retentionDays: 14,
  rollupRetentionDays: 90,
  retentionIntervalMs: 10 * 60_000,
  retentionBatchSize: 5_000,
  maxBufferedAttempts: 50_000,
  maxRowsPerStatement: 2_000,
  shutdownFlushTimeoutMs: 2_000,
  cancelTimeoutMs: 30_000,
  rollupShards: 16,
  asyncContext: 'auto',
  notifyIntervalMs: 0,
  keepRawOutput: 'failures',
  pauseCheckIntervalMs: 1_000,
};

/** Fills defaults; a value of the wrong type or out of range falls back to the default (reported in `problems`). */
export function resolveOptions(input: JobdeckOptions | undefined): {
  options: ResolvedJobdeckOptions;
  problems: string[];
} {
  const options = { ...DEFAULT_OPTIONS };
  const problems: string[] = [];
  if (!input || typeof input !== 'object') return { options, problems };
  const num = (key: keyof JobdeckOptions, min: number, max: number) => {
    const v = input[key];
    if (v === undefined) return;
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) (options as Record<string, unknown>)[key] = v;
    else problems.push(`jobdeck.${key}=${String(v)} ignored (expected a number in [${min}, ${max}])`);
  };
  const bool = (key: 'enabled' | 'migrate' | 'listen') => {
    const v = input[key];
    if (v === undefined) return;
    if (typeof v === 'boolean') options[key] = v;
    else problems.push(`jobdeck.${key}=${String(v)} ignored (expected a boolean)`);
  };
  bool('enabled');
  bool('migrate');
  bool('listen');
  if (input.asyncContext !== undefined) {
    if (typeof input.asyncContext === 'boolean' || input.asyncContext === 'auto') options.asyncContext = input.asyncContext;
    else problems.push(`jobdeck.asyncContext=${String(input.asyncContext)} ignored (expected true, false or 'auto')`);
  }
  if (typeof input.connectionString === 'string' && input.connectionString) options.connectionString = input.connectionString;
  num('flushIntervalMs', 10, 60_000);
  num('heartbeatIntervalMs', 100, 600_000);
  num('retentionDays', 0.0001, 36_500);
  num('rollupRetentionDays', 0.0001, 36_500);
  num('retentionIntervalMs', 0, 24 * 3600_000);
  num('retentionBatchSize', 1, 1_000_000);
  num('maxBufferedAttempts', 1, 10_000_000);
  num('maxRowsPerStatement', 1, 50_000);
  num('shutdownFlushTimeoutMs', 0, 60_000);
  num('cancelTimeoutMs', 0, 24 * 3600_000);
  num('rollupShards', 1, 1024);
  num('notifyIntervalMs', -1, 3_600_000);
  if (input.keepRawOutput !== undefined) {
    if (input.keepRawOutput === 'failures' || input.keepRawOutput === 'all' || input.keepRawOutput === 'none')
      options.keepRawOutput = input.keepRawOutput;
    else problems.push(`jobdeck.keepRawOutput=${String(input.keepRawOutput)} ignored (expected 'failures', 'all' or 'none')`);
  }
  num('pauseCheckIntervalMs', 0, 60_000);
  options.rollupShards = Math.floor(options.rollupShards);
  return { options, problems };
}
