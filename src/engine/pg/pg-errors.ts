import { OpError } from '../../shared/contract/index.ts';

/** Turns a pg or socket error into a message an operator can act on. */
export function describePgError(error: unknown, where?: { host?: string; port?: number; database?: string; user?: string }): string {
  const e = error as { code?: string; message?: string };
  const at = where?.host ? `${where.host}:${where.port ?? 5432}` : 'the server';
  switch (e.code) {
    case 'ECONNREFUSED':
      return `Cannot reach Postgres at ${at}: connection refused (is it running, and on that port?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot resolve host ${where?.host ?? ''}: check the host name`;
    case 'ETIMEDOUT':
      return `Connecting to ${at} timed out`;
    case '28P01':
      return `Password authentication failed for user "${where?.user ?? ''}"`;
    case '28000':
      return `The server refused the connection for user "${where?.user ?? ''}" (pg_hba.conf)`;
    case '3D000':
      return `Database "${where?.database ?? ''}" does not exist on ${at}`;
    case '42501':
      return `Permission denied: ${e.message ?? ''}`;
    case '55P03':
      return `A row or table it needed is locked by another session (lock timeout): try again; if it persists, look for a long transaction in pg_stat_activity`;
    case '57P01':
    case '57P03':
      return `The server is shutting down or starting up (${e.message ?? ''})`;
    default:
      if (/timeout/i.test(e.message ?? '')) return `Connecting to ${at} timed out`;
      return e.message ? `Postgres error: ${e.message.slice(0, 500)}` : String(error).slice(0, 500);
  }
}

export function pgOpError(error: unknown, where?: Parameters<typeof describePgError>[1]): OpError {
  if (error instanceof OpError) return error;
  return new OpError('database_error', describePgError(error, where));
}
