import { createHash } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { OpError, type ConnectionTarget } from '../../shared/contract/index.ts';
import { HOST_MESSAGE, HOST_PATTERN } from '../../shared/contract/connections.ts';

export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  params: string | undefined;
}

/** A %-escaped part of a connection string, decoded; a broken escape (`%zz`) is bad input, not a crash. */
function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new OpError('invalid_input', `The connection string's ${what} holds a broken %-escape`);
  }
}

/** A host as pg takes it: a name or an address without brackets, or a socket directory. */
function checkedHost(host: string, where: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (!HOST_PATTERN.test(bare)) throw new OpError('invalid_input', `${where} ${HOST_MESSAGE}`);
  return bare;
}

/** Parameters pg reads as files from this machine when it builds a connection (synchronously, throwing). */
const FILE_PARAMS = ['sslrootcert', 'sslcert', 'sslkey'] as const;

/**
 * The SSL files a connection names must be files this process can read: pg reads them while building the connection
 * and throws the file system's error (a 500 for what is a mistake in the connection's settings).
 */
function checkFileParams(params: string | undefined): void {
  if (!params) return;
  const query = new URLSearchParams(params);
  for (const name of FILE_PARAMS) {
    // pg takes the last of a repeated parameter.
    const file = query.getAll(name).at(-1);
    if (file === undefined || file === '') continue;
    // libpq's "use the system's CAs": the pg driver here reads it as a file named "system".
    if (name === 'sslrootcert' && file === 'system') {
      throw new OpError('invalid_input', "sslrootcert=system (the system's CAs) is not supported here: name the CA file instead");
    }
    let isFile: boolean;
    try {
      isFile = statSync(file).isFile();
      accessSync(file, constants.R_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable by Jobdeck' : (code ?? 'unreadable');
      throw new OpError('invalid_input', `The connection's ${name} names ${file}, which cannot be read (${why})`);
    }
    if (!isFile) throw new OpError('invalid_input', `The connection's ${name} names ${file}, which is not a file`);
  }
}

/**
 * A password given as a parameter (`?password=…`, in any case or %-escaped: pg decodes the key) is the password: taken
 * out of the parameters, which are saved and shown as they are, and kept like one typed in its field. pg lets the
 * parameter win over the URL's `user:password@`, and so does this. An `sslpassword` (an encrypted key's passphrase)
 * is refused: Jobdeck has nowhere to keep it but in clear.
 */
function liftPassword(t: PgTarget): PgTarget {
  if (!t.params) return t;
  const query = new URLSearchParams(t.params);
  const keys = [...query.keys()];
  if (keys.some((k) => k.toLowerCase() === 'sslpassword')) {
    throw new OpError(
      'invalid_input',
      "The connection's parameters hold sslpassword, which Jobdeck could only keep in clear: use a key file without a passphrase (sslkey), readable by this user alone",
    );
  }
  const passwordKeys = keys.filter((k) => k.toLowerCase() === 'password');
  if (passwordKeys.length === 0) return t;
  const given = query.getAll(passwordKeys[passwordKeys.length - 1]).at(-1);
  for (const k of passwordKeys) query.delete(k);
  return { ...t, password: given || t.password, params: query.toString() || undefined };
}

/** Splits a connection target (URL or parts) into parts, so the password can be kept apart from the rest. */
export function parseTarget(target: ConnectionTarget): PgTarget {
  const parsed = liftPassword(splitTarget(target));
  checkFileParams(parsed.params);
  return parsed;
}

function splitTarget(target: ConnectionTarget): PgTarget {
  if ('url' in target) {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      throw new OpError('invalid_input', 'The connection string is not a valid URL (postgres://user:password@host:5432/database)');
    }
    const database = decoded(url.pathname.replace(/^\//, ''), 'database');
    if (!url.hostname) throw new OpError('invalid_input', 'The connection string names no host');
    // A socket directory is written %-escaped in the host (postgres://user@%2Fvar%2Frun%2Fpostgresql/db).
    const host = checkedHost(decoded(url.hostname, 'host'), "The connection string's host");
    if (!database) throw new OpError('invalid_input', 'The connection string names no database (…/database at the end)');
    return {
      host,
      port: url.port ? Number(url.port) : 5432,
      database,
      user: decoded(url.username, 'user') || 'postgres',
      password: url.password ? decoded(url.password, 'password') : undefined,
      params: url.search ? url.search.slice(1) : undefined,
    };
  }
  return { ...target, host: checkedHost(target.host, 'The host'), password: target.password, params: target.params || undefined };
}

/** A connection string for pg; the password is added only in memory. */
export function toConnectionString(t: Omit<PgTarget, 'password'>, password?: string): string {
  const auth = encodeURIComponent(t.user) + (password ? `:${encodeURIComponent(password)}` : '');
  const host = t.host.startsWith('/') ? encodeURIComponent(t.host) : t.host.includes(':') ? `[${t.host}]` : t.host;
  return `postgres://${auth}@${host}:${t.port}/${encodeURIComponent(t.database)}${t.params ? `?${t.params}` : ''}`;
}

/**
 * The saved-connection id of a database given by URL at start (`--database-url`): stable across runs, so history,
 * runner pools and settings of that database are found again. The password is not part of it.
 */
export function profileIdForUrl(url: string): string {
  const t = parseTarget({ url });
  return `cli-${createHash('sha256').update(`${t.user}@${t.host}:${t.port}/${t.database}`).digest('hex').slice(0, 12)}`;
}

/** The connection string with any password replaced (in its user part or as a parameter), safe to show and log. */
export function maskConnectionString(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:•••@').replace(/([?&](?:ssl)?pass(?:word|%77ord)=)[^&#]*/gi, '$1•••');
}
