import type { ConnectionTarget } from '../../../shared/contract/index.ts';
import type { ConnectionProfile } from '../../../shared/model/connection.ts';

/** The add/edit form's fields, as typed (strings until sent). */
export interface ConnectionDraft {
  id?: string;
  name: string;
  mode: 'url' | 'fields';
  url: string;
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
  params: string;
  readOnly: boolean;
  savePassword: boolean;
}

export function emptyDraft(savePassword: boolean): ConnectionDraft {
  return {
    name: '',
    mode: 'url',
    url: '',
    host: 'localhost',
    port: '5432',
    database: '',
    user: '',
    password: '',
    params: '',
    readOnly: false,
    savePassword,
  };
}

export function draftFromProfile(p: ConnectionProfile, savePassword: boolean): ConnectionDraft {
  return {
    ...emptyDraft(savePassword),
    id: p.id,
    name: p.name,
    mode: 'fields',
    host: p.host ?? '',
    port: String(p.port ?? 5432),
    database: p.database ?? '',
    user: p.user ?? '',
    params: p.params ?? '',
    readOnly: p.readOnly,
  };
}

/** The target to send, or a message saying what is missing. */
export function draftTarget(d: ConnectionDraft): ConnectionTarget | string {
  if (d.mode === 'url') {
    const url = d.url.trim();
    if (!url) return 'Enter a connection URL';
    if (!/^postgres(ql)?:\/\//.test(url)) return 'The URL must start with postgres:// or postgresql://';
    return { url };
  }
  const port = Number(d.port || 5432);
  if (!d.host.trim()) return 'Enter the host';
  if (!Number.isInteger(port) || port < 1 || port > 65535) return 'The port must be a number from 1 to 65535';
  if (!d.database.trim()) return 'Enter the database name';
  if (!d.user.trim()) return 'Enter the user';
  return {
    host: d.host.trim(),
    port,
    database: d.database.trim(),
    user: d.user.trim(),
    ...(d.password ? { password: d.password } : {}),
    ...(d.params.trim() ? { params: d.params.trim() } : {}),
  };
}

/** A name when none was typed: `database @ host`. */
export function suggestedName(d: ConnectionDraft): string {
  if (d.mode === 'fields') return d.database && d.host ? `${d.database} @ ${d.host}` : '';
  try {
    const u = new URL(d.url.trim().replace(/^postgres(ql)?:/, 'http:'));
    const db = u.pathname.replace(/^\//, '');
    return db ? `${decodeURIComponent(db)} @ ${u.hostname}` : u.hostname;
  } catch {
    return '';
  }
}

/** Does the draft carry a password (typed, or inside the URL)? */
export function draftHasPassword(d: ConnectionDraft): boolean {
  if (d.mode === 'fields') return d.password.length > 0;
  return /^postgres(ql)?:\/\/[^/@:]*:[^@]+@/.test(d.url.trim());
}
