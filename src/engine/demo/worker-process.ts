/**
 * The demo's second worker: a separate Node process running graphile-worker with the Jobdeck companion, as a
 * team's own worker would, so the console shows (and can cancel the jobs of) a worker it does not host.
 * Started by the console in demo mode only (worker-child.ts), with its settings as JSON in JOBDECK_DEMO_WORKER.
 * Prints "ready <pool id>" once its pool exists. It never outlives the console: when the IPC channel to its
 * parent closes (the console stopped, or died), it shuts down gracefully, and exits within 10 s whatever happens.
 */
import { EventEmitter } from 'node:events';
import { Logger, run, type Runner, type TaskList } from 'graphile-worker';
import { JobdeckPreset } from '../../worker/index.ts';
import type { LlmConfig } from './llm-client.ts';
import { makeDemoTaskList } from './tasks.ts';
import { DRAFT_REPORT_TASK, makeDraftReportTask } from './report-task.ts';

export interface DemoWorkerConfig {
  connectionString: string;
  llm: LlmConfig;
  concurrency: number;
  /** The demo tasks this process shares with the console's runner (the rest stay with the console). */
  sharedTasks: string[];
  heartbeatIntervalMs?: number;
}

const HARD_EXIT_MS = 10_000;

const config = JSON.parse(process.env.JOBDECK_DEMO_WORKER ?? '{}') as DemoWorkerConfig;
const demoTasks = makeDemoTaskList(() => config.llm);
const taskList: TaskList = { [DRAFT_REPORT_TASK]: makeDraftReportTask(() => config.llm) };
for (const name of config.sharedTasks) if (demoTasks[name]) taskList[name] = demoTasks[name];

const events = new EventEmitter();
events.on('pool:create', ({ workerPool }: { workerPool: { id: string } }) => process.stdout.write(`ready ${workerPool.id}\n`));
/** graphile-worker's messages about its own handling of a stop signal. */
const SIGNAL_HANDLING = /^(Received '|Ignoring '|Global (graceful|forceful) shutdown)/;

// Warnings and errors only: the console logs what this process writes to stderr. A failing job is the normal
// business of a queue (the companion records it), as the console's own runner treats it: not logged.
const logger = new Logger((scope) => (graphileLevel, message) => {
  // graphile-worker's levels are a const enum of these strings: compare them as strings.
  const level: string = graphileLevel;
  if ((level !== 'error' && level !== 'warning') || message.startsWith('Failed task')) return;
  // graphile-worker reports its own signal handling at error level (a graceful stop past 5 s ends "forcefully"
  // when it signals itself): the console asked for that stop, so it is news, not an error.
  const shown = SIGNAL_HANDLING.test(message) ? 'info' : level;
  process.stderr.write(`${shown}: ${scope.label ? `[${scope.label}] ` : ''}${message}\n`);
});

let runner: Runner | null = null;
let stopping = false;
async function shutdown(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`info: stopping (${why})\n`);
  setTimeout(() => process.exit(1), HARD_EXIT_MS).unref();
  try {
    await runner?.stop();
  } finally {
    process.exit(0);
  }
}
process.on('disconnect', () => void shutdown('the console is gone'));

runner = await run({
  connectionString: config.connectionString,
  concurrency: config.concurrency,
  pollInterval: 500,
  logger,
  events,
  taskList,
  // graphile-worker's own SIGTERM/SIGINT handling is kept: that is how the console stops this process.
  preset: { extends: [JobdeckPreset], jobdeck: { heartbeatIntervalMs: config.heartbeatIntervalMs ?? 5_000 } },
});
if (!process.connected) void shutdown('started without the console');
await runner.promise;
