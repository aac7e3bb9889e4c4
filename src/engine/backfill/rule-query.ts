import type pg from 'pg';
import { OpError } from '../../shared/contract/index.ts';
import type { BackfillCounts, BackfillItem, BackfillItemState, BackfillRuleSpec } from '../../shared/model/backfill.ts';
import { keyTemplateParts } from '../../shared/model/job-key.ts';

/** The job key template of a rule, as parts to join by each item's key (shared/model/job-key.ts). */
export const jobKeyParts = (spec: BackfillRuleSpec) => keyTemplateParts(spec.jobKey, spec.task);

/** What comes before the rule's query in `matchSql`: an error's position is told in the rule's own text. */
const QUERY_PREFIX = `with src as materialized (
  select x.k::text as k, row_number() over () as ord from (
`;

/**
 * The rule's query wrapped as a subquery (so it can only be one SELECT: `; delete …` is a syntax error, and a
 * data-modifying WITH is refused below the top level), its first column taken as the key, each distinct key
 * matched with the job of its job key through `_private_jobs`' unique key index.
 * $1 job key template's parts (joined by each key), $2 how many items to return, $3 which states to return, $4 only these keys (or null).
 */
function matchSql(query: string): string {
  // The newline ends a trailing `-- comment` in the rule before our closing parenthesis.
  return `${QUERY_PREFIX}${query}
  ) as x(k)
), items as materialized (
  select k, min(ord) as ord, array_to_string($1::text[], k) as job_key from src
   where k is not null and ($4::text[] is null or k = any($4::text[])) group by k
), matched as materialized (
  select i.k, i.ord, j.id::text as job_id,
         case when length(i.job_key) not between 1 and 512 then 'invalid'
              when j.id is null then 'none'
              when j.locked_at is not null then 'running'
              when j.attempts >= j.max_attempts then 'failed'
              else 'queued' end as state
    from items i left join graphile_worker._private_jobs j on j.key = i.job_key
)
select count(*)::int as missing,
       count(*) filter (where state = 'none')::int as fresh,
       count(*) filter (where state = 'queued')::int as queued,
       count(*) filter (where state = 'running')::int as running,
       count(*) filter (where state = 'failed')::int as failed,
       count(*) filter (where state = 'invalid')::int as invalid,
       (select coalesce(json_agg(json_build_object('key', s.k, 'state', s.state, 'jobId', s.job_id) order by s.rank, s.ord), '[]')
          from (select m.*, array_position(array['none', 'failed', 'queued', 'running', 'invalid'], m.state) as rank
                  from matched m where m.state = any($3::text[])
                 order by rank, ord limit $2) s) as items
  from matched`;
}

export interface MatchResult extends BackfillCounts {
  /** In the order a run takes them: fresh items first, then failed ones, each in the query's order. */
  items: BackfillItem[];
  queryMs: number;
}

const WRITE_VERBS =
  /^(insert|update|delete|merge|drop|create|alter|truncate|grant|revoke|copy|call|do|vacuum|analyze|reindex|cluster|comment|lock|set|reset|begin|commit|rollback|listen|notify)\b/i;

/** The first word of the query, past comments and parentheses, when it names a statement that is not a read. */
function writeVerb(query: string): string | null {
  const head = query.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').replace(/^[\s(]+/, '');
  return WRITE_VERBS.exec(head)?.[1].toUpperCase() ?? null;
}

/**
 * Functions that act on the server rather than read rows, which a read-only transaction still allows (a superuser's
 * pg_terminate_backend ends other sessions; pg_read_file reads the server's files), and the ones that run SQL given
 * as text (query_to_xml and its kin, ts_stat, ts_rewrite, dblink), which would carry the others past this check. A
 * guard against a rule doing what a rule is not for, matched on the query's code (its strings and comments taken
 * out, its quoted names unquoted); not a sandbox (the connection's own privileges are that).
 */
const SERVER_ACTIONS =
  /\b(pg_terminate_backend|pg_cancel_backend|pg_signal_backend|pg_reload_conf|pg_rotate_logfile|pg_promote|pg_switch_wal|pg_create_restore_point|pg_log_backend_memory_contexts|pg_stat_reset\w*|pg_drop_replication_slot|pg_create_\w*replication_slot|pg_replication_origin_\w+|pg_read_file|pg_read_binary_file|pg_ls_\w+|pg_stat_file|lo_import|lo_export|lo_get|lo_open|dblink\w*|ts_stat|ts_rewrite|(?:query|cursor|table|schema|database)_to_xml\w*)\s*\(/i;

/**
 * The query's code alone: string literals ('…', E'…', $tag$…$tag$) become '' and comments (-- and nested block comments) a
 * space, so neither hides a call nor fakes one; "quoted" names lose their quotes. Null for a U&"…" name, whose
 * escapes could spell any function.
 */
function codeOf(query: string): string | null {
  let out = '';
  for (let i = 0; i < query.length;) {
    const c = query[i];
    const two = query.slice(i, i + 2);
    if (two === '--') {
      const end = query.indexOf('\n', i);
      i = end < 0 ? query.length : end;
      out += ' ';
    } else if (two === '/*') {
      let depth = 0;
      do {
        if (query.startsWith('/*', i) || query.startsWith('*/', i)) {
          depth += query[i] === '/' ? 1 : -1;
          i += 2;
        } else {
          i++;
        }
      } while (depth > 0 && i < query.length);
      out += ' ';
    } else if (c === "'" || ((c === 'E' || c === 'e') && query[i + 1] === "'" && !/\w/.test(query[i - 1] ?? ''))) {
      const backslash = c !== "'";
      i += backslash ? 2 : 1;
      while (i < query.length) {
        if (backslash && query[i] === '\\') i += 2;
        else if (query[i] === "'" && query[i + 1] === "'") i += 2;
        else if (query[i] === "'") break;
        else i++;
      }
      i++;
      out += "''";
    } else if (c === '$' && /^\$(?:[A-Za-z_]\w*)?\$/.test(query.slice(i))) {
      const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(query.slice(i))![0];
      const end = query.indexOf(tag, i + tag.length);
      i = end < 0 ? query.length : end + tag.length;
      out += "''";
    } else if ((c === 'U' || c === 'u') && query[i + 1] === '&' && query[i + 2] === '"') {
      return null;
    } else if (c === '"') {
      const end = query.indexOf('"', i + 1);
      out += query.slice(i + 1, end < 0 ? query.length : end);
      i = end < 0 ? query.length : end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The first server-acting function the query calls (or a name written so it cannot be told), or null. */
function serverAction(query: string): string | null {
  const code = codeOf(query);
  if (code === null) return 'a U&"…" name';
  return SERVER_ACTIONS.exec(code)?.[1].toLowerCase() ?? null;
}

/**
 * Postgres' message with its place in the rule's own query: its position counts from the start of `matchSql`,
 * and an error past the rule's last character (an unfinished query, "near ')'") is at Jobdeck's wrapping, which
 * the operator never wrote.
 */
function placed(message: string, position: string | undefined, query: string): string {
  const at = Number(position) - QUERY_PREFIX.length;
  if (!Number.isInteger(at) || at < 1) return message;
  if (at > query.length) return `${message.replace(/ at or near "[^"]*"$/, '')} at the end of the query (is it complete?)`;
  const line = query.slice(0, at).split('\n').length;
  const near = query.slice(at - 1, at + 29).split('\n')[0];
  return `${message} (line ${line} of the query, at "${near}")`;
}

/** Postgres errors a rule's query can cause, told as what the operator should change. */
function ruleError(error: unknown, spec: BackfillRuleSpec): OpError {
  if (error instanceof OpError) return error;
  const e = error as { code?: string; message?: string; position?: string };
  const msg = placed(String(e.message ?? error), e.position, spec.query).slice(0, 500);
  const verb = writeVerb(spec.query);
  if (e.code === '42601' && verb) {
    return new OpError(
      'invalid_input',
      `The rule's query is a ${verb} statement and was refused: a rule only reads (one SELECT or WITH … SELECT); nothing was changed`,
    );
  }
  switch (e.code) {
    case '25006': // read_only_sql_transaction
      return new OpError(
        'invalid_input',
        `The rule's query tried to change the database and was refused (it runs read-only); nothing was changed: ${msg}`,
      );
    case '25001':
    case '25P01':
      return new OpError(
        'invalid_input',
        `The rule's query tried to change its transaction and was refused (it runs read-only); nothing was changed: ${msg}`,
      );
    case '0A000': // e.g. a data-modifying WITH below the top level
      return new OpError('invalid_input', `The rule's query was refused (a rule is one read-only SELECT); nothing was changed: ${msg}`);
    case '42601':
      return new OpError(
        'invalid_input',
        `The rule's query is not one valid SELECT statement (${msg}); a rule is a single SELECT or WITH … SELECT, no ";"`,
      );
    case '57014':
      return new OpError(
        'invalid_input',
        `The rule's query was cancelled: it ran past its ${spec.timeoutSeconds} s timeout (add an index or raise the timeout), or a cancel reached it`,
      );
    case '55P03':
      return new OpError('unavailable', `The rule's query waited too long for a lock held by another session: ${msg}`);
    default:
      // 54: a program limit (a value or an array too large to make): the query's doing, like a type error.
      if (e.code && /^(42|22|21|0L|28|54)/.test(e.code)) return new OpError('invalid_input', `The rule's query failed: ${msg}`);
      return new OpError('database_error', `The rule's query failed: ${msg}`);
  }
}

/**
 * Runs a rule's query in a READ ONLY transaction with a statement timeout, on a connection that is closed
 * afterwards (so nothing the query set for the session, such as an advisory lock, outlives it), and never
 * commits. Refuses a query that left the transaction writable or took an advisory lock.
 */
export async function matchRuleItems(
  pool: pg.Pool,
  spec: BackfillRuleSpec,
  options: { limit: number; states: BackfillItemState[]; keys?: string[] },
): Promise<MatchResult> {
  const action = serverAction(spec.query);
  if (action) {
    throw new OpError(
      'invalid_input',
      `The rule's query calls ${action.startsWith('a ') ? action : `${action}()`}, which acts on the server (its sessions, files or settings) or runs other SQL: a rule only reads rows; nothing was run`,
    );
  }
  const client = await pool.connect();
  const started = performance.now();
  try {
    await client.query('begin transaction isolation level repeatable read, read only');
    await client.query(`select set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)`, [
      `${spec.timeoutSeconds * 1000}`,
      `${Math.min(spec.timeoutSeconds, 5) * 1000}`,
    ]);
    // With parameters, pg uses the extended protocol: one statement only, whatever the text holds.
    const { rows } = await client.query<BackfillCounts & { items: BackfillItem[] }>({
      text: matchSql(spec.query),
      values: [jobKeyParts(spec), options.limit, options.states, options.keys ?? null],
    });
    const queryMs = Math.round(performance.now() - started);
    const check = await client.query<{ ro: string; advisory: number }>(
      `select current_setting('transaction_read_only') as ro,
              (select count(*)::int from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()) as advisory`,
    );
    if (check.rows[0].ro !== 'on') throw new OpError('invalid_input', "The rule's query made its transaction writable and was refused");
    if (check.rows[0].advisory > 0) {
      throw new OpError(
        'invalid_input',
        "The rule's query took an advisory lock and was refused (a rule may only read); the lock was released",
      );
    }
    const { items, ...counts } = rows[0];
    return { ...counts, items, queryMs };
  } catch (error) {
    throw ruleError(error, spec);
  } finally {
    await client.query('rollback').catch(() => {});
    // Closing the connection ends whatever the query set for the session; unlocking first makes that immediate.
    await client.query('select pg_advisory_unlock_all()').catch(() => {});
    client.release(true);
  }
}
