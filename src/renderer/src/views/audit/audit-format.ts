import type { AuditEntry } from '../../../../shared/model/audit.ts';

const MAX = 160;

/** What an entry targeted, in a line: "3 ids (#12, #13, …)", "filter: state=failed, task=x", or compact JSON. */
export function describeTarget(target: unknown): string {
  if (target && typeof target === 'object') {
    const t = target as Record<string, unknown>;
    if (Array.isArray(t.ids)) {
      const count = typeof t.count === 'number' ? t.count : t.ids.length;
      const shown = t.ids
        .slice(0, 4)
        .map((id) => `#${String(id)}`)
        .join(', ');
      return `${count} ${count === 1 ? 'job' : 'jobs'} (${shown}${count > 4 ? ', …' : ''})`;
    }
    if (t.filter && typeof t.filter === 'object') {
      const parts = Object.entries(t.filter as Record<string, unknown>).map(
        ([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : String(v)}`,
      );
      return parts.length ? `filter: ${parts.join(', ')}` : 'filter: every job';
    }
  }
  const json = JSON.stringify(target) ?? '';
  return json.length > MAX ? `${json.slice(0, MAX)}…` : json;
}

/** The detail as indented JSON for the expanded row (bounded: audit details are bounded when written). */
export function detailText(entry: AuditEntry): string {
  return JSON.stringify(entry.detail, null, 2) ?? '';
}
