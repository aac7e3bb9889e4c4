import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromThread, ToThread } from './protocol.ts';

/** How the thread ended by itself (an uncaught error in it, or its exit): every pool on it is gone. */
export interface ThreadEnd {
  error: Error | null;
}

type Listener = (message: FromThread) => void;

/**
 * The built entry next to the bundled engine (electron-vite's main build, `npm run serve`'s server bundle, the
 * bench's), else the source through tsx (tests run the engine from source; tsx's loader does not reach a worker
 * thread by itself on Node 20, so the thread registers it first).
 */
function spawn(): Worker {
  const built = path.join(import.meta.dirname, 'runner-thread.js');
  if (existsSync(built)) return new Worker(built);
  const entry = pathToFileURL(path.join(import.meta.dirname, 'entry.ts')).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true });
}

/**
 * The worker thread graphile-worker runs on, for as long as the console's runner domain lives: started at the
 * first runner start and kept from one pool to the next, so its code stays optimised (a thread made anew for
 * each pool ran its first few thousand jobs 20 % slower). It holds the process open only while a pool runs on it.
 */
export class RunnerThread {
  private worker: Worker | null = null;
  private listener: Listener | null = null;
  private onEnd: ((end: ThreadEnd) => void) | null = null;

  /** Sends to the thread, starting it if need be; `listener` hears what it says until `release()`. */
  attach(listener: Listener, onEnd: (end: ThreadEnd) => void): void {
    this.listener = listener;
    this.onEnd = onEnd;
    this.ensure().ref();
  }

  /** The pool on the thread has stopped: its messages go nowhere, and the thread no longer holds the process. */
  release(listener: Listener): void {
    if (this.listener !== listener) return;
    this.listener = null;
    this.onEnd = null;
    this.worker?.unref();
  }

  send(message: ToThread): void {
    this.ensure().postMessage(message);
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = spawn();
    let error: Error | null = null;
    // Only the current thread is heard: one ended (or being ended by close()) says nothing to the next pool's host.
    worker.on('message', (message: FromThread) => this.worker === worker && this.listener?.(message));
    worker.on('error', (e) => (error = e));
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.onEnd?.({ error });
    });
    this.worker = worker;
    return worker;
  }

  /** Ends the thread (the engine stops). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.listener = null;
    this.onEnd = null;
    await worker?.terminate();
  }
}
