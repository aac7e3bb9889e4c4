/**
 * The hosted runner's thread: graphile-worker and the companion run here, with the team's tasks, away from the
 * console's own work. A task that throws outside its promise ends this thread, not the console (the pool is
 * renewed on a new one); a task that blocks its event loop (a large JSON parse, a busy loop) does not stall the
 * console's API, its history reader or its screens; graphile-worker's round trips do not wait behind the console's
 * bookkeeping. The thread is kept from one pool to the next (runner-thread.ts). Its tasks load here (a task
 * directory, the demo's); tasks whose functions live on the console's thread (Jobdeck's own) are called back there.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { Logger, type JobHelpers, type Task, type TaskList } from 'graphile-worker';
import { companionStats } from '../../../worker/index.ts';
import { makeDemoTaskList } from '../../demo/tasks.ts';
import { PoolRunner } from './pool-runner.ts';
import { NOTHING_TO_STOP, type FromThread, type ThreadRunnerOptions, type ToThread } from './protocol.ts';

/** How often the companion's account of its writes is sent while a pool runs (the Recording line reads it). */
const COMPANION_STATS_MS = 1_000;

/** Serves the console's requests on `port` (this thread's parent port): one pool at a time. */
function serve(port: MessagePort): void {
  const post = (message: FromThread) => port.postMessage(message);

  /**
   * graphile-worker's log lines go to the console's logger, which words and filters them; not its debug chatter nor
   * its line per successful job (the history records each), which the console drops or never shows anyway: a message
   * to the console's thread per job had cost the runner about 60 µs of CPU per noop job (a profile of the drain).
   */
  const logger = new Logger((scope) => (level, message) => {
    // graphile-worker's levels are a const enum of these strings: compare them as strings.
    const named: string = level;
    if (named === 'debug' || (named === 'info' && message.startsWith('Completed task'))) return;
    post({ type: 'log', level: named, label: scope.label, message });
  });

  // As the console's own process does (server/cli.ts): a promise nobody awaited that failed (graphile-worker 0.17
  // writes some outcomes so) is logged; it does not end the thread and every pool on it.
  process.on('unhandledRejection', (reason) => logger.error(`background error: ${(reason as Error)?.message ?? String(reason)}`));

  let current: PoolRunner | null = null;
  /** Pools started and not yet stopped: the current one, and one stopping. */
  const live = new Set<PoolRunner>();
  let statsTimer: NodeJS.Timeout | null = null;
  let nextCall = 0;
  const calls = new Map<number, { resolve(): void; reject(error: Error): void }>();

  /** A task of the console's thread, run there; its abort signal's abort is passed on. */
  function remoteTask(name: string): Task {
    return (payload, helpers: JobHelpers) => {
      const call = nextCall++;
      const job = { ...helpers.job, payload };
      const onAbort = () => post({ type: 'remote-task-abort', call, reason: String(helpers.abortSignal?.reason ?? 'aborted') });
      helpers.abortSignal?.addEventListener('abort', onAbort, { once: true });
      return new Promise<void>((resolve, reject) => {
        calls.set(call, { resolve, reject });
        try {
          post({ type: 'remote-task', call, name, payload, job });
        } catch (error) {
          // A payload that cannot be copied across (structured clone): the job fails with why.
          calls.delete(call);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
        // Aborted before it was called (a cancel while it was held for a paused queue): passed on at once.
        if (helpers.abortSignal?.aborted) onAbort();
      }).finally(() => helpers.abortSignal?.removeEventListener('abort', onAbort));
    };
  }

  function ownTasks(options: ThreadRunnerOptions): TaskList {
    if (options.source.kind !== 'demo') return {};
    const llm = options.source.llm;
    return makeDemoTaskList(() => llm);
  }

  function sendStats(): void {
    const poolId = current?.poolId;
    post({ type: 'companion', stats: (poolId && companionStats().find((s) => s.poolId === poolId)) || null });
  }

  async function start(options: ThreadRunnerOptions): Promise<void> {
    // The console stops a pool before it starts the next (its starts and stops are serial): never two at once.
    if (current)
      return post({ type: 'start-failed', message: `a pool (${current.poolId ?? 'starting'}) already runs on the runner's thread` });
    const runner = new PoolRunner(options, logger, post);
    current = runner;
    live.add(runner);
    try {
      const remote: TaskList = Object.fromEntries(options.remoteTasks.map((name) => [name, remoteTask(name)]));
      const tasks = await runner.start(ownTasks(options), remote);
      statsTimer ??= setInterval(sendStats, COMPANION_STATS_MS);
      post({ type: 'started', tasks });
    } catch (error) {
      current = null;
      live.delete(runner);
      post({ type: 'start-failed', message: (error as Error).message });
    }
  }

  async function stop(timeoutMs: number): Promise<void> {
    const runner = current;
    current = null;
    if (statsTimer) clearInterval(statsTimer);
    statsTimer = null;
    const report = runner ? await runner.stop(timeoutMs) : NOTHING_TO_STOP;
    if (runner) live.delete(runner);
    post({ type: 'stopped', report });
  }

  port.on('message', (message: ToThread) => {
    switch (message.type) {
      case 'start':
        return void start(message.options);
      case 'stop':
        return void stop(message.timeoutMs);
      case 'abort':
        // The pool that runs it: the current one, or one still stopping (a cancel while the console renews the pool).
        for (const runner of live) if (runner.aborts.abort(message.jobId, message.reason)) return;
        return;
      case 'remote-task-done': {
        const pending = calls.get(message.call);
        calls.delete(message.call);
        if (!message.error) return pending?.resolve();
        const error = new Error(message.error.message);
        if (message.error.stack) error.stack = message.error.stack;
        return pending?.reject(error);
      }
    }
  });
}

if (!parentPort) throw new Error('The runner thread runs as a worker thread of the console');
serve(parentPort);
