import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'graphile-worker';
import type { FromThread, ToThread } from './protocol.ts';

/** How the thread ended by itself (an uncaught error in it, or its exit): every pool on it is gone. */
export interface ThreadEnd {
  error: Error | null;
}

type Listener = (message: FromThread) => void;
export type ThreadLogLine = Extract<FromThread, { type: 'log' }>;

/** A line of graphile-worker's log on the thread, told by the console's logger (which words and filters it). */
export function logThreadLine(logger: Logger, { level, label, message }: ThreadLogLine): void {
  const scoped = label ? logger.scope({ label }) : logger;
  if (level === 'error') scoped.error(message);
  else if (level === 'warning') scoped.warn(message);
  else if (level === 'debug') scoped.debug(message);
  else scoped.info(message);
}

/** A host's hold on the thread it attached to: what it sends or ends reaches that thread, never a later one. */
export interface ThreadLink {
  send(message: ToThread): void;
  /** Its pool has stopped: it hears nothing more, and the thread no longer holds the process open. */
  release(): void;
  /** Ends its thread (one that does not answer). */
  end(): Promise<void>;
}

/**
 * The built entry next to the bundled engine (electron-vite's main build, `npm run serve`'s server bundle, the
 * bench's), else the source through tsx (tests run the engine from source; tsx's loader does not reach a worker
 * thread by itself on Node 20, so the thread registers it first).
 */
function spawn(): Worker {
  const built = path.join(import.meta.dirname, 'runner-thread.js');
  if (existsSync(built)) return new Worker(built);
  const entry = path.join(import.meta.dirname, 'entry.ts');
  if (!existsSync(entry)) throw new Error(`The runner thread's program is missing: no ${built} next to the console's code`);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); })`;
  return new Worker(boot, { eval: true });
}

/**
 * The worker thread graphile-worker runs on, for as long as the console's runner domain lives: started at the
 * first runner start and kept from one pool to the next, so its code stays optimised (in a spike, a thread made
 * anew for each pool ran its first 5,000 jobs about 20 % slower). It holds the process open only while a pool runs
 * on it. Its log lines while no pool's host listens (a pool that ended late, say) go to `orphanLog`.
 */
export class RunnerThread {
  private worker: Worker | null = null;
  private attached: { listener: Listener; onEnd: (end: ThreadEnd) => void } | null = null;

  constructor(private readonly orphanLog: (line: ThreadLogLine) => void) {}

  /** Starts the thread if need be; `listener` hears what it says, `onEnd` of its end, until the link's release. */
  attach(listener: Listener, onEnd: (end: ThreadEnd) => void): ThreadLink {
    const worker = this.ensure();
    const holder = { listener, onEnd };
    this.attached = holder;
    worker.ref();
    return {
      send: (message) => {
        if (this.worker === worker) worker.postMessage(message);
      },
      release: () => {
        if (this.attached !== holder) return;
        this.attached = null;
        if (this.worker === worker) worker.unref();
      },
      end: async () => {
        if (this.worker === worker) await this.close();
      },
    };
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = spawn();
    let error: Error | null = null;
    // Only the current thread is heard: one ended (or being ended by close()) says nothing to the next pool's host.
    worker.on('message', (message: FromThread) => {
      if (this.worker !== worker) return;
      if (this.attached) this.attached.listener(message);
      else if (message.type === 'log') this.orphanLog(message);
    });
    worker.on('error', (e) => (error = e));
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.attached?.onEnd({ error });
    });
    this.worker = worker;
    return worker;
  }

  /** Ends the thread (the engine stops). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.attached = null;
    await worker?.terminate();
  }
}
