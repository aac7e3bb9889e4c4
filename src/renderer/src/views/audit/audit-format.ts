import { contract, isOpName } from '../../../../shared/contract/index.ts';
import type { AuditEntry } from '../../../../shared/model/audit.ts';
import { fieldLabel, singular } from '../../api/readable-input.ts';
import { JOB_STATE_LABELS, type JobState } from '../../../../shared/model/job-state.ts';
import type { JobFilter } from '../../../../shared/model/jobs.ts';
import { href } from '../../href.ts';
import { countOf, formatCount, formatDateTime } from '../../format.ts';
import { filterToParams } from '../jobs/job-filter-url.ts';

/**
 * An audit entry in words: "retried 12 jobs of generate_insight where error type is rate limit", where the part
 * naming what was touched links to it (the Jobs view's filter, the job, the backfill rule, the Stuck view).
 */
export interface AuditSentence {
  /** What was done: "retried", "queued", "paused". */
  verb: string;
  /** What it was done to, the linked part: "12 jobs of generate_insight where error type is rate limit". */
  target: string;
  /** Where the target is shown; null when nothing can show it (e.g. a list of ids no filter names). */
  link: string | null;
  /** After the target: what was skipped, and the action's settings. */
  tail: string;
  /** A few of the jobs touched, each a link to its page (for actions on selected ids). */
  jobIds: string[];
}

const VERBS: Record<string, string> = {
  retry: 'retried',
  cancel: 'cancelled',
  fail: 'marked permanently failed',
  priority: 'changed the priority of',
  unlock: 'unlocked',
};

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const errorLabel = (type: string) => type.replace(/_/g, ' ');

/** "of generate_insight in queue emails where state is permanently failed and error type is rate limit". */
export function filterWords(filter: JobFilter): string {
  const parts: string[] = [];
  if (filter.tasks?.length) parts.push(`of ${filter.tasks.join(' or ')}`);
  if (filter.queues?.length) parts.push(`in queue ${filter.queues.join(' or ')}`);
  const where: string[] = [];
  if (filter.states?.length) where.push(`state is ${filter.states.map((s: JobState) => JOB_STATE_LABELS[s].toLowerCase()).join(' or ')}`);
  if (filter.errorType) where.push(`error type is ${errorLabel(filter.errorType)}`);
  if (filter.search) where.push(`payload or error contains "${filter.search}"`);
  if (filter.createdFrom) where.push(`created from ${formatDateTime(filter.createdFrom)}`);
  if (filter.createdTo) where.push(`created before ${formatDateTime(filter.createdTo)}`);
  if (filter.runAtFrom) where.push(`run at from ${formatDateTime(filter.runAtFrom)}`);
  if (filter.runAtTo) where.push(`run at before ${formatDateTime(filter.runAtTo)}`);
  if (where.length) parts.push(`where ${where.join(' and ')}`);
  return parts.join(' ');
}

/** The Jobs view's list for a filter. */
export const jobsLink = (filter: JobFilter) => href('jobs', filterToParams(filter));

const jobs = (n: number) => countOf(n, 'job');

/**
 * ", 3 skipped (2 locked by a worker; 1 not found: …)" from a bulk action's detail; "" when none was skipped. The
 * reasons are the report's list (`{ reason, count }`); an entry keyed by reason reads "locked: 2".
 */
function skippedWords(entry: AuditEntry): string {
  if (!entry.skipped) return '';
  const byReason = obj(entry.detail).skippedByReason;
  const reasons = Array.isArray(byReason)
    ? byReason
        .map((r) => obj(r))
        .filter((r) => str(r.reason) && (num(r.count) ?? 0) > 0)
        .map((r) => `${formatCount(r.count as number)} ${r.reason as string}`)
    : Object.entries(obj(byReason))
        .filter(([, n]) => typeof n === 'number' && n > 0)
        .map(([why, n]) => `${why.replace(/_/g, ' ')}: ${formatCount(n as number)}`);
  return `, ${formatCount(entry.skipped)} skipped${reasons.length ? ` (${reasons.join('; ')})` : ''}`;
}

/** The settings of a bulk action worth reading: "to run at …", "at 100 a minute", "priority 5". */
function paramWords(entry: AuditEntry): string {
  const p = obj(obj(entry.detail).params);
  const out: string[] = [];
  if (str(p.runAt)) out.push(`to run at ${formatDateTime(p.runAt as string)}`);
  const pace = num(obj(p.pace).perMinute);
  if (pace) out.push(`released at ${formatCount(pace)} a minute`);
  if (num(p.priority) !== null) out.push(`to priority ${p.priority as number}`);
  if (p.transientOnly) out.push('transient errors only');
  if (p.keepFailed) out.push('unless failed for good');
  if (p.force) out.push('forced');
  if (str(p.message)) out.push(`with message "${p.message as string}"`);
  return out.length ? `, ${out.join(', ')}` : '';
}

/** The same verbs as asked for, for an action that changed nothing: "asked to retry". */
const ASKED: Record<string, string> = {
  retry: 'retry',
  cancel: 'cancel',
  fail: 'mark permanently failed',
  priority: 'change the priority of',
  unlock: 'unlock',
};

/** What a bulk action was aimed at: with the count it changed ("12 jobs of …") and without ("jobs of …"). */
function bulkTarget(entry: AuditEntry): { counted: string; bare: string; link: string | null; jobIds: string[] } {
  const t = obj(entry.target);
  const n = jobs(entry.affected);
  if (t.filter) {
    const filter = t.filter as JobFilter;
    const words = filterWords(filter);
    return {
      counted: words ? `${n} ${words}` : `${n} (every job)`,
      bare: words ? `jobs ${words}` : 'every job',
      link: jobsLink(filter),
      jobIds: [],
    };
  }
  if (t.kind === 'due' && str(t.task)) {
    const filter: JobFilter = { states: ['ready'], tasks: [t.task as string] };
    const task = t.task as string;
    return {
      counted: `${n} of ${task} due with no worker`,
      bare: `the due jobs of ${task} with no worker`,
      link: jobsLink(filter),
      jobIds: [],
    };
  }
  if (t.kind === 'failed' && str(t.task)) {
    const filter: JobFilter = { states: ['failed'], tasks: [t.task as string], errorType: str(t.errorType) ?? undefined };
    return { counted: `${n} ${filterWords(filter)}`, bare: `jobs ${filterWords(filter)}`, link: jobsLink(filter), jobIds: [] };
  }
  if (t.kind === 'pool' && str(t.poolId)) {
    const pool = t.poolId as string;
    return { counted: `${n} held by pool ${pool}`, bare: `the jobs held by pool ${pool}`, link: href('stuck'), jobIds: [] };
  }
  if (Array.isArray(t.ids)) {
    const ids = t.ids.map(String);
    const count = num(t.count) ?? ids.length;
    if (count === 1 && ids[0]) return { counted: `job #${ids[0]}`, bare: `job #${ids[0]}`, link: href(`jobs/${ids[0]}`), jobIds: [] };
    return {
      counted: `${entry.affected === count ? jobs(count) : `${formatCount(entry.affected)} of ${jobs(count)}`} chosen by id`,
      bare: `${jobs(count)} chosen by id`,
      link: null,
      jobIds: ids.slice(0, 5),
    };
  }
  return { counted: n, bare: 'jobs', link: null, jobIds: [] };
}

/**
 * A bulk action on jobs (`jobs.retry`, `stuck.cancel`, …): its verb from the action's last word. One that changed
 * nothing says so ("asked to cancel job #1110: nothing changed, 1 skipped (not found: 1)"), never "cancelled".
 */
function bulkSentence(entry: AuditEntry, kind: string): AuditSentence {
  const { counted, bare, link, jobIds } = bulkTarget(entry);
  if (entry.affected === 0) {
    return {
      verb: `asked to ${ASKED[kind] ?? kind}`,
      target: bare,
      link,
      tail: `${paramWords(entry)}: nothing changed${skippedWords(entry)}`,
      jobIds,
    };
  }
  return { verb: VERBS[kind] ?? kind, target: counted, link, tail: `${paramWords(entry)}${skippedWords(entry)}`, jobIds };
}

/** "task generate_insight" / "queue emails", and the Jobs list of it, from a `{ task }` or `{ queue }` target. */
function taskOrQueue(t: Obj): { words: string; link: string | null } {
  if (str(t.task)) return { words: `task ${t.task as string}`, link: jobsLink({ tasks: [t.task as string] }) };
  if (str(t.queue)) return { words: `queue ${t.queue as string}`, link: jobsLink({ queues: [t.queue as string] }) };
  return { words: 'an unknown target', link: null };
}

/**
 * What a settings change set, from its input as recorded: "3 rules, desktop on, quiet period (minutes) 10". Lists
 * by their size, flags on or off, values as given (a hidden secret says so), a nested setting by its name (`rule
 * "Summaries"`); other nested settings and unset ones are left to the entry's detail. One flag alone is "on" or "off".
 */
function settingsWords(input: Obj): string {
  // A list of a large input was recorded as its size alone (`{ count }`, see settings-audit.ts).
  const size = (v: unknown): number | null => (Array.isArray(v) ? v.length : num(obj(v).count));
  const named = (v: unknown): string | null => (Array.isArray(v) ? null : str(obj(v).name));
  const entries = Object.entries(input).filter(
    ([, v]) => v !== null && v !== undefined && (typeof v !== 'object' || size(v) !== null || named(v) !== null),
  );
  if (entries.length === 1 && typeof entries[0][1] === 'boolean') return entries[0][1] ? 'on' : 'off';
  return entries
    .map(([key, v]) => {
      const n = size(v);
      if (n !== null) return countOf(n, singular(fieldLabel(key)));
      if (typeof v === 'object') return `${fieldLabel(key)} "${named(v)}"`;
      if (typeof v === 'boolean') return `${fieldLabel(key)} ${v ? 'on' : 'off'}`;
      return typeof v === 'string' || typeof v === 'number' ? `${fieldLabel(key)} ${v}` : fieldLabel(key);
    })
    .join(', ');
}

/** An entry of a settings change (an operation the contract audits), not of an action on jobs. */
export const isSettingsChange = (entry: AuditEntry): boolean => settingsOf(entry) !== undefined || entry.action === 'control.breaker.set';

const settingsOf = (entry: AuditEntry) => (isOpName(entry.action) ? contract[entry.action].audit : undefined);

const valueWords = (v: unknown): string =>
  typeof v === 'boolean' ? (v ? 'on' : 'off') : typeof v === 'number' ? formatCount(v) : typeof v === 'string' ? v : 'none';

/** A settings change (an operation the contract audits): "changed the alert rules and channels: 3 rules, …". */
function settingsSentence(entry: AuditEntry): AuditSentence | null {
  const spec = settingsOf(entry);
  if (!spec) return null;
  const d = obj(entry.detail);
  // A setting recorded as its value before and after: "off → on", "6 → 8"; else what the change set.
  // What was changed by id is named ("removed a backfill rule "Extras""): its id would tell the reader nothing.
  const subject = str(d.subject);
  const words = 'after' in d ? `${valueWords(d.before)} → ${valueWords(d.after)}` : subject ? '' : settingsWords(obj(d.input));
  return {
    verb: spec.verb,
    target: subject ? `${spec.what} "${subject}"` : spec.what,
    link: spec.view ? href(spec.view) : null,
    tail: words ? `: ${words}` : '',
    jobIds: [],
  };
}

/** The entry in words, with what it touched as a link. Unknown actions fall back to their name and counts. */
export function describeEntry(entry: AuditEntry): AuditSentence {
  const t = obj(entry.target);
  const d = obj(entry.detail);
  const [domain, ...restParts] = entry.action.split('.');
  const rest = restParts.join('.');
  const none: string[] = [];

  const settings = settingsSentence(entry);
  if (settings) return settings;
  // The Stuck view's unlock names pools, not jobs: its own sentence below.
  if ((domain === 'jobs' || domain === 'stuck') && rest in VERBS && entry.action !== 'stuck.unlock') return bulkSentence(entry, rest);
  switch (entry.action) {
    case 'jobs.add': {
      const id = str(t.jobId);
      return {
        verb: 'queued',
        target: `job ${id ? `#${id}` : ''} of ${str(t.task) ?? 'a task'}`.replace('job  of', 'a job of'),
        link: id ? href(`jobs/${id}`) : null,
        tail: str(t.jobKey) ? ` with key ${t.jobKey as string}` : '',
        jobIds: none,
      };
    }
    case 'jobs.addBatch': {
      const task = str(t.task) ?? 'a task';
      const already = entry.skipped ? `, ${formatCount(entry.skipped)} already queued` : '';
      return {
        verb: 'queued',
        target: `${jobs(entry.affected)} of ${task}`,
        link: jobsLink({ tasks: [task] }),
        tail: ` for ${countOf(entry.requested, 'key')}${already}`,
        jobIds: none,
      };
    }
    case 'backfill.run': {
      const name = str(t.name) ?? 'a backfill rule';
      const rule = num(t.rule) ?? str(t.rule);
      const task = str(t.task);
      const trigger = str(d.trigger);
      return {
        verb: 'ran backfill',
        target: `"${name}"`,
        link: rule !== null ? href(`backfill/${rule}`) : null,
        tail: `: queued ${jobs(entry.affected)}${task ? ` of ${task}` : ''} for ${countOf(entry.requested, 'item')} lacking output${
          entry.skipped ? `, ${formatCount(entry.skipped)} skipped` : ''
        }${trigger && trigger !== 'manual' ? ` (${trigger})` : ''}`,
        jobIds: none,
      };
    }
    case 'control.pause':
    case 'control.breaker.trip': {
      const { words, link } = taskOrQueue(t);
      const by = entry.action === 'control.breaker.trip' ? ' (circuit breaker)' : '';
      const until = str(d.until) ? ` until ${formatDateTime(d.until as string)}` : '';
      return { verb: 'paused', target: words, link, tail: `${until}: held back ${jobs(entry.affected)}${by}`, jobIds: none };
    }
    case 'control.resume':
    case 'control.breaker.resume': {
      const { words, link } = taskOrQueue(t);
      const by = entry.action === 'control.breaker.resume' ? ' (circuit breaker)' : '';
      return { verb: 'resumed', target: words, link, tail: `: released ${jobs(entry.affected)}${by}`, jobIds: none };
    }
    case 'control.breaker.set': {
      // Set in the Failures view (its ⚡ button per task); the detail is the breaker's settings as saved.
      const { words } = taskOrQueue(t);
      const pct = num(d.thresholdPct);
      const window = num(d.windowMinutes);
      const least = num(d.minAttempts);
      const when =
        pct !== null && window !== null
          ? ` (trips at ${pct} % failed${least !== null ? ` of at least ${countOf(least, 'attempt')}` : ''} over ${window} min)`
          : '';
      return d.enabled === false
        ? { verb: 'turned off the circuit breaker of', target: words, link: href('failures'), tail: '', jobIds: none }
        : { verb: 'turned on the circuit breaker of', target: words, link: href('failures'), tail: when, jobIds: none };
    }
    case 'recovery.unlock':
    case 'recovery.auto':
    case 'stuck.unlock': {
      const pools = Array.isArray(t.poolIds) ? t.poolIds.map(String) : str(t.poolId) ? [t.poolId as string] : [];
      const how = entry.action === 'recovery.auto' ? ' (automatic recovery)' : str(d.trigger) === 'startup' ? ' (at start-up)' : '';
      const which = pools.length === 1 ? `pool ${pools[0]}` : countOf(pools.length, entry.action === 'stuck.unlock' ? 'pool' : 'gone pool');
      const queues = num(d.queuesUnlocked) ?? 0;
      // The pools left alone, each with why (this console's running runner, one that may still run).
      const refused = (Array.isArray(d.refused) ? d.refused : [])
        .map((r) => obj(r))
        .filter((r) => str(r.poolId))
        .map((r) => `pool ${r.poolId as string} left alone${str(r.reason) ? ` (${r.reason as string})` : ''}`);
      const refusedWords = refused.length ? `; ${refused.join('; ')}` : '';
      if (entry.affected === 0 && queues === 0)
        return {
          verb: 'asked to unlock',
          target: which,
          link: href('stuck'),
          tail: `: nothing changed${refusedWords}${how}`,
          jobIds: none,
        };
      return {
        verb: 'unlocked',
        target: `${jobs(entry.affected)}${queues ? ` and ${countOf(queues, 'queue')}` : ''} held by ${which}`,
        link: href('stuck'),
        tail: `${refused.length ? refusedWords : skippedWords(entry)}${how}`,
        jobIds: Array.isArray(d.jobIds) ? d.jobIds.slice(0, 5).map(String) : none,
      };
    }
    default:
      return { verb: entry.action, target: jobs(entry.affected), link: null, tail: skippedWords(entry), jobIds: none };
  }
}

/** The sentence as plain text (a tooltip, a test). */
export const sentenceText = (s: AuditSentence) => `${s.verb} ${s.target}${s.tail}`;

/** The detail as indented JSON for the expanded row (bounded: audit details are bounded when written). */
export function detailText(entry: AuditEntry): string {
  return JSON.stringify(entry.detail, null, 2) ?? '';
}
