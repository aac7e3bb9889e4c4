import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { LogFn } from '../logger.ts';
import type { LlmConfig } from './llm-client.ts';
import { DRAFT_REPORT_TASK } from './report-task.ts';
import type { DemoWorkerConfig } from './worker-process.ts';

/** How to start the demo worker process: a program and its arguments (tests may give one that fails). */
export interface DemoWorkerCommand {
  execPath: string;
  args: string[];
  env?: Record<string, string>;
}

export interface DemoWorkerOptions {
  /** The demo's database (the embedded one). */
  connectionString: string;
  pool: pg.Pool;
  llm: LlmConfig;
  log: LogFn;
  /** Whether to keep long reports queued for it (the demo's producer is not paused). */
  feeding: () => boolean;
  concurrency?: number;
  heartbeatIntervalMs?: number;
  command?: DemoWorkerCommand;
  startTimeoutMs?: number;
  /** Gives up a start still in progress (the console stops meanwhile): the process is killed. */
  signal?: AbortSignal;
}

/** The running demo worker process. */
export interface DemoWorker {
  pid: number;
  poolId: string;
  /** Stops it (graphile-worker's graceful shutdown, SIGKILL after a deadline), then releases what it still held. */
  stop(): Promise<void>;
}

/** The demo task it takes alongside the console's runner (a named queue: one job at a time across both). */
const SHARED_TASKS = ['summarize'];
/** Long reports kept queued or running for it, so the Workers view usually shows one to cancel. */
const REPORTS_IN_FLIGHT = 2;
const FEED_EVERY_MS = 5_000;
const STOP_GRACE_MS = 8_000;

/**
 * The demo worker's program: the built entry next to the bundled engine (Electron's main build), else the source
 * through tsx (web mode and tests run the engine from source). Under Electron, its binary runs as plain Node.
 */
export function defaultDemoWorkerCommand(): DemoWorkerCommand {
  const here = import.meta.dirname;
  const env: Record<string, string> = process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
  const built = path.join(here, 'demo-worker.js');
  if (existsSync(built)) return { execPath: process.execPath, args: [built], env };
  return { execPath: process.execPath, args: ['--import', import.meta.resolve('tsx'), path.join(here, 'worker-process.ts')], env };
}

/**
 * Starts the demo's separate worker process (graphile-worker with the companion) and keeps a couple of long
 * `draft_report` jobs queued for it. Rejects, leaving nothing running, when it cannot start.
 */
export async function startDemoWorker(options: DemoWorkerOptions): Promise<DemoWorker> {
  const command = options.command ?? defaultDemoWorkerCommand();
  const config: DemoWorkerConfig = {
    connectionString: options.connectionString,
    llm: options.llm,
    concurrency: options.concurrency ?? 3,
    sharedTasks: SHARED_TASKS,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
  };
  // An IPC channel: when the console dies, however it dies, the channel closes and the worker stops itself.
  // A process group of its own (POSIX): a Ctrl-C in the terminal reaches the console, which then stops it in order.
  const child = spawn(command.execPath, command.args, {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: process.platform !== 'win32',
    windowsHide: true,
    env: { ...process.env, ...command.env, JOBDECK_DEMO_WORKER: JSON.stringify(config) },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('error', () => {}); // a failed spawn also ends in 'exit' (or is reported by `ready` below)
  forwardLines(child, options.log);

  const abandon = () => void kill(child, exited);
  options.signal?.addEventListener('abort', abandon, { once: true });
  let poolId: string;
  try {
    if (options.signal?.aborted) throw new Error('the demo worker process did not start: the console is stopping');
    poolId = await ready(child, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await kill(child, exited);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', abandon);
  }
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  options.log('info', `demo worker process started (pid ${child.pid}, pool ${poolId})`);

  let stopped = false;
  void exited.then(() => {
    if (!stopped) options.log('warn', `the demo worker process (pid ${child.pid}) exited on its own (${describeExit(child)})`);
  });
  const feeder = setInterval(() => void feed(options).catch(() => {}), FEED_EVERY_MS);
  feeder.unref();
  void feed(options).catch(() => {});

  return {
    pid: child.pid!,
    poolId,
    async stop() {
      if (stopped) return exited;
      stopped = true;
      clearInterval(feeder);
      if (isRunning(child)) child.kill('SIGTERM');
      const timer = setTimeout(() => isRunning(child) && child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      await releaseLocks(options.pool, poolId, options.log);
    },
  };
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function describeExit(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`;
}

/** Resolves with the pool id the process prints once its pool exists; rejects if it exits or takes too long. */
function ready(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`the demo worker process did not start: ${why}`));
    };
    const timer = setTimeout(() => fail(`no pool after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    child.stdout?.on('data', (data: Buffer) => {
      out += String(data);
      const match = /ready (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('error', (error) => fail(error.message));
    child.once('exit', () => fail(`it exited (${describeExit(child)})`));
  });
}

/** Its stderr, line by line, into the console's log. */
function forwardLines(child: ChildProcess, log: DemoWorkerOptions['log']): void {
  let rest = '';
  child.stderr?.on('data', (data: Buffer) => {
    const lines = (rest + String(data)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) log(line.startsWith('info:') ? 'info' : 'warn', `[demo worker ${child.pid}] ${line}`);
  });
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (!isRunning(child) || child.pid === undefined) return;
  child.kill('SIGKILL');
  await exited;
}

/**
 * The process has exited: whatever its pool still holds (a SIGKILL after the grace period, or a failure write
 * graphile-worker did not finish) is released now, so those jobs run again at once rather than after 4 hours.
 */
async function releaseLocks(pool: pg.Pool, poolId: string, log: DemoWorkerOptions['log']): Promise<void> {
  try {
    await pool.query('select graphile_worker.force_unlock_workers($1::text[])', [[poolId]]);
  } catch (error) {
    log('warn', `could not release the demo worker's locks (${poolId}): ${(error as Error).message}`);
  }
}

/** Tops up the long reports waiting for the demo worker (none while the demo's producer is paused). */
async function feed(options: DemoWorkerOptions): Promise<void> {
  if (!options.feeding()) return;
  await options.pool.query(
    `select graphile_worker.add_job($1::text, json_build_object('title', 'Weekly digest ' || to_char(now(), 'HH24:MI:SS'), 'sections', 6),
              max_attempts => 3)
     from generate_series(1, $2::int - (
       select count(*)::int from graphile_worker._private_jobs j
       join graphile_worker._private_tasks t on t.id = j.task_id
       where t.identifier = $1 and j.attempts < j.max_attempts))`,
    [DRAFT_REPORT_TASK, REPORTS_IN_FLIGHT],
  );
}
