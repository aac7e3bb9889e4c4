import { OpError } from '../../shared/contract/index.ts';
import type { EngineCore } from '../core.ts';
import type { HandlersOf } from './types.ts';
import { HistoryFeature } from '../history/feature.ts';
import { listAttempts } from '../history/query.ts';
import { summarize } from '../history/summary.ts';
import { toCsv, toJsonChunk } from '../history/export-format.ts';

type Ops =
  | 'history.status'
  | 'history.summary'
  | 'history.list'
  | 'history.export'
  | 'history.rules.get'
  | 'history.rules.set'
  | 'history.retention.set';

/** Rows per export page, and the size at which a page stops early (error texts can be 16 KiB each). */
const EXPORT_ROWS = 2000;
const EXPORT_BYTES = 4 * 1024 * 1024;

function history(core: EngineCore): HistoryFeature {
  const feature = core.features.find((f) => f instanceof HistoryFeature);
  if (!feature) throw new OpError('unavailable', 'Failure history is not enabled in this engine');
  return feature as HistoryFeature;
}

/** The connection a read is about; reads need no session: the history is in SQLite. */
function connectionOf(core: EngineCore, id?: string): string {
  const resolved = history(core).resolveConnection(id);
  if (!resolved) throw new OpError('not_found', 'No failure history yet: connect to a database once to start recording it');
  return resolved;
}

export const historyHandlers: HandlersOf<Ops> = {
  'history.status': ({ connectionId }, core) => history(core).status(connectionId),

  'history.summary': ({ connectionId, window, task }, core) => {
    const h = history(core);
    return summarize(core.db, h.resolveConnection(connectionId), window, h.classifier.types(), task);
  },

  'history.list': ({ cursor, limit, ...filter }, core) => listAttempts(core.db, connectionOf(core, filter.connectionId), filter, limit, cursor),

  'history.export': ({ cursor, format, ...filter }, core) => {
    const connectionId = connectionOf(core, filter.connectionId);
    const rows = [];
    let next: string | null = cursor ?? null;
    let bytes = 0;
    // Read in small pages until the export page is full, so one page stays bounded in rows and bytes.
    do {
      const page = listAttempts(core.db, connectionId, filter, 500, next ?? undefined);
      rows.push(...page.rows);
      bytes += page.rows.reduce((n, r) => n + r.error.length + 200, 0);
      next = page.nextCursor;
    } while (next && rows.length < EXPORT_ROWS && bytes < EXPORT_BYTES);
    const first = cursor === undefined;
    const content = format === 'csv' ? toCsv(rows, first) : toJsonChunk(rows, first, next === null);
    return { content, rows: rows.length, nextCursor: next };
  },

  'history.rules.get': (_input, core) => {
    const h = history(core);
    return { rules: h.settings.rules(), types: h.classifier.types(), rejected: [...h.classifier.rejected] };
  },

  'history.rules.set': ({ rules }, core) => {
    const ids = new Set<string>();
    for (const r of rules) {
      if (ids.has(r.id)) throw new OpError('invalid_input', `Two rules have the id "${r.id}": rule ids must be unique`);
      ids.add(r.id);
    }
    const h = history(core);
    h.setRules(rules);
    return { rules: h.settings.rules(), types: h.classifier.types(), rejected: [...h.classifier.rejected] };
  },

  'history.retention.set': async ({ days }, core) => {
    const h = history(core);
    h.settings.setRetentionDays(days);
    await h.retention();
    return h.status();
  },
};
