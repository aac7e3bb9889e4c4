import type { HostedRecording } from '../../shared/model/history.ts';
import type { CompanionHealth } from './host.ts';

/** The role and database of a connection string, for the grant to suggest (best effort). */
function roleAndDatabase(connectionString: string): { role: string; database: string } {
  try {
    const url = new URL(connectionString);
    return {
      role: decodeURIComponent(url.username) || 'the console’s role',
      database: decodeURIComponent(url.pathname.slice(1)) || 'the database',
    };
  } catch {
    return { role: 'the console’s role', database: 'the database' };
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Whether the hosted runner's attempts reach the history, in words: its companion writes them into the jobdeck
 * schema (then the reader brings them), or it cannot (no privilege to create the schema, the schema missing,
 * the database unreachable) and the runner's jobs still run, only watched until it can. The companion's
 * own counters say which (it retries with backoff and writes its backlog, bounded, once it can).
 */
export function hostedRecording(poolId: string, health: CompanionHealth | null, connectionString: string): HostedRecording {
  if (!health) return { poolId, state: 'starting', message: 'The companion in this console’s runner is starting' };
  if (!health.failing) {
    return health.writing
      ? { poolId, state: 'recording', message: 'This console’s runner records every attempt through the companion (jobdeck.attempts)' }
      : { poolId, state: 'starting', message: 'The companion in this console’s runner has not written yet' };
  }
  const { role, database } = roleAndDatabase(connectionString);
  const why = health.lastError ?? 'unknown error';
  const kept = `${health.buffered} attempt(s) kept in memory to write later${health.dropped ? `, ${health.dropped} dropped` : ''}`;
  const advice =
    health.lastErrorKind === 'permission'
      ? `Grant ${role} CREATE on the database (grant create on database ${quote(database)} to ${quote(role)}) so the companion can create the jobdeck schema, or have an administrator apply docs/companion-schema.sql with this role as the worker role.`
      : health.lastErrorKind === 'schema'
        ? 'The jobdeck schema is missing or behind: apply docs/companion-schema.sql, or let the companion create it (CREATE on the database).'
        : health.lastErrorKind === 'connection'
          ? 'The companion cannot reach the database; it retries.'
          : 'The companion retries with backoff.';
  return {
    poolId,
    state: 'not_recording',
    message: `This console’s runner runs its jobs, but its attempts are not being recorded: the companion cannot write (${why}). ${advice} Until then its jobs are only watched (inferred); ${kept}.`,
  };
}
