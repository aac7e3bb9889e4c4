import type { TaskList } from 'graphile-worker';
import type { OpName, OpOutput, OpParsed } from '../shared/contract/index.ts';
import type { Session } from './session.ts';

/** Implements one operation; its input is already validated against the contract's schema. */
export type Handler<N extends OpName> = (input: OpParsed<N>) => Promise<OpOutput<N>> | OpOutput<N>;

export type Handlers = { [N in OpName]: Handler<N> };
export type HandlersOf<K extends OpName> = { [N in K]: Handler<N> };

/**
 * A domain's part in the engine's lifecycle. Every hook is optional; the root runs them in the domains' order
 * and a failing hook is logged, never fatal to the others.
 */
export interface LifecycleHooks {
  /** A session is connected and its schema inspected (the database may still lack graphile-worker). */
  onSessionOpen?(session: Session): void | Promise<void>;
  /** The session is about to close (switching connection, quitting). */
  onSessionClose?(session: Session): void | Promise<void>;
  /** The hosted runner created its pool (`poolId`) for `session`'s database. */
  onRunnerPool?(poolId: string, session: Session): void | Promise<void>;
  /** Extra tasks for the hosted runner (e.g. Jobdeck's own scheduled work). */
  tasks?(session: Session): TaskList;
  /** Extra crontab lines for the hosted runner (graphile-worker's crontab format). */
  crontab?(session: Session): string[];
  /** The engine is stopping: clear timers, flush writes. */
  stop?(): void | Promise<void>;
}

/** What each `createX(ctx)` returns: the operations it implements and its lifecycle hooks. */
export interface Domain<K extends OpName = never> {
  name: string;
  handlers: HandlersOf<K>;
  hooks?: LifecycleHooks;
}
