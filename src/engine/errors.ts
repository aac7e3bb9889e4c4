import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { OpError, type OpErrorBody } from '../shared/contract/index.ts';
import { describePgError } from './pg/pg-errors.ts';
import type { LogFn } from './logger.ts';

/** Where the active database is, for messages that name it. */
export type DbWhere = Parameters<typeof describePgError>[1];

/** Postgres errors carry a five-character SQLSTATE; socket errors a Node code. */
const PG_SQLSTATE = /^[0-9A-Z]{5}$/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

const SQLITE_MESSAGES: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'the file is read-only',
  SQLITE_CORRUPT: 'the file is corrupt',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_BUSY: 'another process holds it locked',
  SQLITE_IOERR: 'the disk reported an I/O error',
  SQLITE_CANTOPEN: 'the file cannot be opened',
  SQLITE_PERM: 'permission denied',
};

/** A Postgres or connection error (not a bug of ours): what describePgError can put in words. */
export function isPgError(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown; message?: unknown } | null;
  if (!e || typeof e.code !== 'string')
    return /Connection terminated|timeout exceeded when trying to connect/i.test(typeof e?.message === 'string' ? e.message : '');
  return (PG_SQLSTATE.test(e.code) && typeof e.severity === 'string') || SOCKET_CODES.has(e.code);
}

function sqliteMessage(error: unknown): string | null {
  const e = error as { code?: unknown; name?: unknown } | null;
  if (!e || typeof e.code !== 'string' || !e.code.startsWith('SQLITE_')) return null;
  // Extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED) explain themselves through their primary code.
  const primary = Object.keys(SQLITE_MESSAGES).find((code) => e.code === code || (e.code as string).startsWith(`${code}_`));
  const why = primary ? SQLITE_MESSAGES[primary] : String((error as Error).message).slice(0, 300);
  return `Jobdeck's local data file could not be used: ${why} (${e.code})`;
}

/**
 * Every failure of an operation becomes one body the transports carry unchanged, whatever the domain: an
 * OpError as it is; invalid input, Postgres and SQLite errors as typed errors with a plain message; anything
 * else as `internal`, logged in full under a correlation id that the client shows.
 */
export function toErrorBody(error: unknown, context: { operation: string; where?: DbWhere; log: LogFn }): OpErrorBody {
  if (error instanceof OpError) return error.toJSON();
  if (error instanceof z.ZodError) {
    return {
      code: 'invalid_input',
      message: error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || 'input'}: ${i.message}`)
        .join('; '),
    };
  }
  if (isPgError(error)) {
    // A pattern Postgres cannot run (an error rule saved while no database was connected): the request's fault.
    if ((error as { code?: string }).code === '2201B') {
      return {
        code: 'invalid_input',
        message: `${describePgError(error, context.where)}: an error rule's pattern is too complex for Postgres; simplify or remove it (error rules)`,
      };
    }
    return { code: 'database_error', message: describePgError(error, context.where) };
  }
  const sqlite = sqliteMessage(error);
  if (sqlite) {
    context.log('error', `${context.operation}: ${sqlite}`);
    return { code: 'storage_error', message: sqlite };
  }
  const correlationId = randomBytes(4).toString('hex');
  context.log('error', `${context.operation} failed [${correlationId}]: ${(error as Error)?.stack ?? String(error)}`);
  return {
    code: 'internal',
    message: `Unexpected error: ${String((error as Error)?.message ?? error).slice(0, 300)} (reference ${correlationId}, logged in full)`,
    correlationId,
  };
}
