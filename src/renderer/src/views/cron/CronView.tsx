import { errorMessage } from '../../api/client.ts';
import { useOp } from '../../data/use-op.ts';
import { useNow } from '../../hooks/useNow.ts';
import { formatAge, formatAgo, formatDateTime } from '../../format.ts';
import { href } from '../../router.ts';
import type { CronEntry, CronSource } from '../../../../shared/model/cron.ts';
import './cron.css';

/** graphile-worker writes `last_execution` on each tick: read the list again this often. */
const REFRESH_MS = 15_000;

const SOURCE_LABELS: Record<CronSource, string> = {
  backfill: 'Backfill schedule',
  runner: "This console's runner",
  database: 'Another worker',
};

const BACKFILL_TASK = /^jobdeck_backfill:(.+)$/;
/** The viewer's time zone, named beside the UTC schedules (a 23:05 next run of a 07:05 UTC schedule is in Los Angeles). */
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A past time as "14 Mar 10:05 · 3 min ago"; a future one as "… · in 2 min". */
function When({ at, now, empty, testId }: { at: string | null; now: number; empty: string; testId: string }) {
  if (!at) return <span className="muted">{empty}</span>;
  const ms = Date.parse(at) - now;
  return (
    <span className="cron-when" data-testid={testId} title={at}>
      <span>{formatDateTime(at)}</span>
      <span className="muted">{ms > 0 ? `in ${formatAge(ms)}` : formatAgo(-ms)}</span>
    </span>
  );
}

function CronRow({ entry, now, ruleNames }: { entry: CronEntry; now: number; ruleNames: Map<string, string> }) {
  const ruleId = entry.task ? BACKFILL_TASK.exec(entry.task)?.[1] : undefined;
  const ruleName = ruleId ? ruleNames.get(ruleId) : undefined;
  return (
    <tr data-testid="cron-row" data-identifier={entry.identifier}>
      <td className="col-entry">
        <div className="cron-identifier mono">{entry.identifier}</div>
        {ruleName ? (
          <a className="cron-task" href={href(`backfill/${ruleId}`)}>
            backfill “{ruleName}”
          </a>
        ) : (
          entry.task && <div className="cron-task mono">{entry.task}</div>
        )}
      </td>
      <td className="col-schedule">
        {entry.schedule ? <code className="cron-schedule">{entry.schedule}</code> : <span className="muted">not known here</span>}
      </td>
      <td className="col-source">
        <span className={`badge cron-source cron-source-${entry.source}`}>{SOURCE_LABELS[entry.source]}</span>
      </td>
      <td className="col-time">
        <When at={entry.lastExecution} now={now} empty="not yet" testId="cron-last" />
      </td>
      <td className="col-time">
        {entry.nextRun ? (
          <When at={entry.nextRun} now={now} empty="" testId="cron-next" />
        ) : (
          <span className="cron-note" data-testid="cron-next-note">
            {entry.nextRunNote ?? '—'}
          </span>
        )}
      </td>
      <td className="col-time col-known">
        <When at={entry.knownSince} now={now} empty="not loaded yet" testId="cron-known" />
      </td>
    </tr>
  );
}

/**
 * Recurring work: every crontab entry graphile-worker knows on this database (`_private_known_crontabs`: first
 * seen, last tick) beside what this console knows of it (its runner's lines and the backfill schedules: the
 * schedule and the next tick).
 */
export function CronView() {
  const list = useOp('cron.list', {}, { refetchInterval: REFRESH_MS });
  const rules = useOp('backfill.list', {});
  const now = useNow();
  const ruleNames = new Map((rules.data ?? []).map((r) => [r.id, r.name]));
  const data = list.data;
  return (
    <div className="cron-view">
      <div className="view-head">
        <h1>Cron</h1>
        <span className="view-note">
          Schedules are in UTC; times are shown in your time zone ({LOCAL_ZONE}). Last runs come from graphile-worker's own record of each
          entry; next runs from the schedule, for the entries this console runs.
        </span>
      </div>
      {list.error && <div className="form-error">{errorMessage(list.error)}</div>}
      {data && !data.runnerRunning && data.entries.some((e) => e.source !== 'database') && (
        <div className="panel cron-hint" data-testid="cron-runner-stopped">
          This console's runner is stopped, so its schedules do not tick here.
        </div>
      )}
      <section className="panel">
        <table className="cron-table" data-testid="cron-table">
          <thead>
            <tr>
              <th className="col-entry">Entry</th>
              <th className="col-schedule">Schedule</th>
              <th className="col-source">Defined by</th>
              <th className="col-time">Last run</th>
              <th className="col-time">Next run</th>
              <th className="col-time col-known">Known since</th>
            </tr>
          </thead>
          <tbody>
            {data?.entries.map((entry) => (
              <CronRow key={entry.identifier} entry={entry} now={now} ruleNames={ruleNames} />
            ))}
          </tbody>
        </table>
        {data && data.entries.length === 0 && (
          <div className="cron-empty" data-testid="cron-empty">
            No crontab entries: graphile-worker has recorded none on this database, and no backfill rule has a schedule.
          </div>
        )}
      </section>
    </div>
  );
}
