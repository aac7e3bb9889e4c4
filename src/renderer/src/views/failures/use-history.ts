import { useMemo } from 'react';
import { keepPreviousData } from '@tanstack/react-query';
import { useOp, useOpPages, type Paging } from '../../data/use-op.ts';
import type { FailedAttempt } from '../../../../shared/model/history.ts';
import { clean, useFailures } from './failures-store.ts';

/**
 * The engine announces no event when it records an attempt or scans the database, so the figures are read
 * again on a timer while the view is open and the page is visible (TanStack stops it in a hidden tab).
 */
const HISTORY_REFRESH_MS = 5000;
const PAGE = 50;
const NO_ROWS: FailedAttempt[] = [];
const PAGING: Paging<'history.list', string> = { after: (cursor) => ({ cursor }), next: (page) => page.nextCursor };

/** Charts and figures of the chosen window (and task), from Jobdeck's SQLite: works offline. */
export function useHistorySummary() {
  const window = useFailures((s) => s.window);
  const task = useFailures((s) => s.task);
  // Another window or task keeps the charts on screen until its figures are in.
  return useOp(
    'history.summary',
    { window, ...(task ? { task } : {}) },
    { refetchInterval: HISTORY_REFRESH_MS, placeholderData: keepPreviousData },
  );
}

/** How the history is kept: live or saved, last scan, reclassification in progress. */
export function useHistoryStatus() {
  return useOp('history.status', {}, { refetchInterval: HISTORY_REFRESH_MS });
}

/** Failed attempts matching the list's filters, newest first, a keyset page at a time ("Show older attempts"). */
export function useAttempts() {
  const filter = clean(useFailures((s) => s.filter));
  // Other filters keep the previous rows on screen until theirs are in.
  const pages = useOpPages('history.list', { ...filter, limit: PAGE }, PAGING, { placeholderData: keepPreviousData });
  const rows = useMemo(() => pages.data?.pages.flatMap((p) => p.rows) ?? NO_ROWS, [pages.data]);
  return { rows, pages };
}
