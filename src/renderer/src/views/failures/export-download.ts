import { api } from '../../api/client.ts';
import { clean, type ListFilter } from './failures-store.ts';

/** Upper bound of pages one export fetches (each at most ~2,500 rows or 4 MiB). */
const MAX_PAGES = 500;

/**
 * Fetches the filtered set page by page (each page is bounded by the engine) and offers it as a file.
 * Returns the number of rows exported.
 */
export async function downloadExport(filter: ListFilter, format: 'csv' | 'json'): Promise<number> {
  const parts: string[] = [];
  let cursor: string | undefined;
  let rows = 0;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await api.call('history.export', { ...clean(filter), format, ...(cursor ? { cursor } : {}) });
    parts.push(page.content);
    rows += page.rows;
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const blob = new Blob(parts, { type: format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `jobdeck-failures-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return rows;
}
