/** Where Jobdeck knows a crontab entry from. */
export type CronSource =
  /** A line of this console's hosted runner's crontab (Jobdeck's own scheduled work, other than backfill). */
  | 'runner'
  /** A backfill rule with a schedule: the hosted runner runs it as a crontab line. */
  | 'backfill'
  /** Only graphile-worker's `_private_known_crontabs` knows it: a crontab of some other worker. */
  | 'database';

/** One crontab entry: what graphile-worker recorded of it, and what Jobdeck knows of its schedule. */
export interface CronEntry {
  /** graphile-worker's identifier (`?id=`, else the task name). */
  identifier: string;
  /** The task it queues, when Jobdeck knows the line; null for entries only the database knows. */
  task: string | null;
  /** The schedule (`*\/5 * * * *`, UTC), when Jobdeck knows the line. */
  schedule: string | null;
  source: CronSource;
  /** When graphile-worker first saw the entry; null when no runner has loaded it yet. */
  knownSince: string | null;
  /** The last tick graphile-worker queued a job for; null when none yet. */
  lastExecution: string | null;
  /** The next tick by the schedule, when Jobdeck knows the schedule and a runner of this console runs it. */
  nextRun: string | null;
  /** Why there is no next run (not known here, the hosted runner is stopped), or null. */
  nextRunNote: string | null;
}

export interface CronList {
  entries: CronEntry[];
  /** Whether this console's hosted runner runs now (its crontab ticks only while it does). */
  runnerRunning: boolean;
  /** When the list was read. */
  at: string;
}
