import type { JobdeckEvent } from '../shared/contract/index.ts';
import type { Session } from './session.ts';
import type { RunnerHost } from './runner/host.ts';
import type { AuditRepo } from './store/audit-repo.ts';
import type { LogFn } from './logger.ts';

/**
 * The shared parts the composition root (engine.ts) creates once. A domain's context picks only the ones it
 * uses, so what a domain can touch is visible in its `createX(ctx)` signature.
 */

/** Events for every window: the transports forward them, domains emit them. */
export interface EventBus {
  emit(event: JobdeckEvent): void;
  subscribe(listener: (event: JobdeckEvent) => void): () => void;
}

/** The console's connection to the active database, as the domains see it. */
export interface Sessions {
  /** The active session, or null (none chosen, or switching). */
  current(): Session | null;
  /** The active session, or a clear error when none is usable (none, offline, no graphile-worker schema). */
  require(): Session;
  /** `require()`, refused when the connection is read-only (a guard for callers outside the operation entry). */
  writable(): Session;
}

/** What domains may know of the hosted runner: its pool, its tasks, and its running jobs for a cancel. */
export interface HostedRunner {
  /** The running runner's pool id (its `locked_by`), or null when none runs. */
  poolId(): string | null;
  /** The running runner itself, for aborting its jobs; null when none runs. */
  host(): RunnerHost | null;
  /** Restarts a running runner so it loads the domains' tasks and crontab again; nothing when none runs. */
  reload(): Promise<void>;
}

export type AuditLog = AuditRepo;
export type { LogFn };
