import type { FailedAttempt } from '../../shared/model/history.ts';

const CSV_COLUMNS = [
  'at',
  'jobId',
  'task',
  'queue',
  'attempt',
  'maxAttempts',
  'errorType',
  'durationMs',
  'poolId',
  'source',
  'final',
  'error',
] as const;

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it as a formula. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  // Objects never reach a cell today; if one does, it shows as JSON rather than [object Object].
  let s =
    typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV lines; the header only on the first page. */
export function toCsv(rows: FailedAttempt[], first: boolean): string {
  const lines = rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  if (first) lines.unshift(CSV_COLUMNS.join(','));
  return lines.length ? `${lines.join('\r\n')}\r\n` : '';
}

/** Rows as a slice of one JSON array: `[` on the first page, `]` on the last, commas in between. */
export function toJsonChunk(rows: FailedAttempt[], first: boolean, last: boolean): string {
  const body = rows.map((r) => JSON.stringify(r)).join(',\n');
  return `${first ? '[\n' : body ? ',\n' : ''}${body}${last ? '\n]\n' : ''}`;
}
