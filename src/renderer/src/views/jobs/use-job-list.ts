import { useMemo } from 'react';
import { useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { errorMessage } from '../../api/client.ts';
import { opKey } from '../../data/op-key.ts';
import { useOp, useOpPages, type Paging } from '../../data/use-op.ts';
import type { JobFilter, JobRow, JobsPage, MatchCount } from '../../../../shared/model/jobs.ts';

const PAGE = 200;
/** How often, at most, a live list is read again while the queue moves. */
const LIVE_REFRESH_MS = 10_000;
const NO_ROWS: JobRow[] = [];
const PAGING: Paging<'jobs.list', string> = { after: (cursor) => ({ cursor }), next: (page) => page.nextCursor };

export interface JobList {
  rows: JobRow[];
  count: MatchCount | null;
  /** The count could not be had (e.g. no database): show none rather than "counting…" forever. */
  countFailed: boolean;
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore: () => void;
  reload: () => void;
}

/**
 * The jobs matching a filter, a keyset page at a time (more pages are fetched as the list scrolls), and their
 * count, asked apart so the list shows at once. Both are keyed by the filter, so a newer filter's answers
 * never mix with an older one's; actions make them stale (data/writes.ts).
 *
 * `live`: while the operator is only looking, the first page and the count follow the queue (re-read when the
 * monitor's counts move, at most every 10 s; see data/engine-events.tsx). Once more pages are loaded the list
 * stays put, so it is not pulled from under someone scrolling.
 */
export function useJobList(filter: JobFilter, live: boolean): JobList {
  const input = { filter, limit: PAGE };
  const firstPageOnly = (useQueryClient().getQueryData<InfiniteData<JobsPage>>(opKey('jobs.list', input))?.pages.length ?? 0) <= 1;
  const meta = live && firstPageOnly ? { liveMs: LIVE_REFRESH_MS } : undefined;
  const pages = useOpPages('jobs.list', input, PAGING, { meta });
  const count = useOp('jobs.count', { filter }, { meta });

  // A first page that failed leaves nothing true to show: old rows would pass for current ones.
  const firstPageFailed = pages.isError && !pages.isFetchNextPageError;
  const rows = useMemo(
    () => (firstPageFailed || !pages.data ? NO_ROWS : pages.data.pages.flatMap((p) => p.rows)),
    [firstPageFailed, pages.data],
  );
  return {
    rows,
    // A new filter's count is unknown until it comes; a re-read of the same filter keeps the old one meanwhile.
    count: count.data ?? null,
    countFailed: count.isError,
    hasMore: pages.hasNextPage,
    loading: pages.isFetching,
    error: pages.error ? errorMessage(pages.error) : null,
    loadMore: () => {
      if (!pages.isFetching && pages.hasNextPage) void pages.fetchNextPage();
    },
    reload: () => {
      void pages.refetch();
      void count.refetch();
    },
  };
}
