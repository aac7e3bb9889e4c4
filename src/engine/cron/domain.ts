import type pg from 'pg';
import type { CronEntry, CronList, CronSource } from '../../shared/model/cron.ts';
import type { Domain } from '../domain.ts';
import type { Sessions } from '../context.ts';
import type { Session } from '../session.ts';

/** A crontab line of the hosted runner and the domain that added it. */
export interface CrontabLine {
  line: string;
  source: Exclude<CronSource, 'database'>;
}

export interface CronContext {
  sessions: Sessions;
  /** The lines the hosted runner loads on this session (backfill schedules and any other domain's). */
  crontab(session: Session): CrontabLine[];
  /** Whether the hosted runner runs now: its crontab ticks only while it does. */
  runnerRunning(): boolean;
}

interface KnownRow {
  identifier: string;
  known_since: Date;
  last_execution: Date | null;
}

/** graphile-worker's record of every crontab entry any runner on this database loaded. Read only: it is private. */
async function knownCrontabs(db: pg.Pool): Promise<KnownRow[]> {
  const { rows } = await db.query<KnownRow>(
    'select identifier, known_since, last_execution from graphile_worker._private_known_crontabs order by identifier',
  );
  return rows;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The `?id=` every backfill schedule's crontab line carries (backfill/schedule.ts, crontabLine). */
const BACKFILL_SCHEDULE_ID = /^jobdeck_backfill_[\w-]+$/;

/** The cron view: the entries graphile-worker knows, joined with the lines this console's runner loads. */
export function createCron(ctx: CronContext): Domain<'cron.list'> {
  const list = async (): Promise<CronList> => {
    const session = ctx.sessions.require();
    // graphile-worker's crontab parser comes with graphile-worker, which the console loads only when first needed.
    const { nextRun, parseLine, scheduleOf } = await import('./next-run.ts');
    const known = new Map((await knownCrontabs(session.pool)).map((row) => [row.identifier, row]));
    const running = ctx.runnerRunning();
    const now = new Date();
    const entries: CronEntry[] = [];
    for (const { line, source } of ctx.crontab(session)) {
      const item = parseLine(line);
      if (!item) continue;
      const row = known.get(item.identifier);
      known.delete(item.identifier);
      const next = running ? nextRun(item, now) : null;
      entries.push({
        identifier: item.identifier,
        task: item.task,
        schedule: scheduleOf(line),
        source,
        knownSince: iso(row?.known_since ?? null),
        lastExecution: iso(row?.last_execution ?? null),
        nextRun: iso(next),
        nextRunNote: running ? (next ? null : 'the schedule matches no date') : "this console's runner is stopped: nothing runs it here",
      });
    }
    // Entries of other workers' crontabs: graphile-worker keeps their identifier and times, not their schedule. A
    // backfill schedule's identifier (backfill/schedule.ts) not loaded here is a rule removed or unscheduled here, or
    // another Jobdeck's: graphile-worker keeps its row for good.
    for (const row of known.values()) {
      const backfill = BACKFILL_SCHEDULE_ID.test(row.identifier);
      entries.push({
        identifier: row.identifier,
        task: null,
        schedule: null,
        source: backfill ? 'backfill' : 'database',
        knownSince: iso(row.known_since),
        lastExecution: iso(row.last_execution),
        nextRun: null,
        nextRunNote: backfill
          ? "a backfill schedule this console no longer runs (its rule was removed or unscheduled, or it is another Jobdeck's): graphile-worker keeps its last tick"
          : "defined in another worker's crontab: its schedule is not stored in the database",
      });
    }
    return { entries, runnerRunning: running, at: now.toISOString() };
  };
  return { name: 'cron', handlers: { 'cron.list': list } };
}
