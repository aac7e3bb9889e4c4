import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import type { JobFilter, JobRow, MatchCount } from '../../../../shared/model/jobs.ts';
import { filterKey } from './job-filter-url.ts';

const PAGE = 200;

export interface JobList {
  rows: JobRow[];
  count: MatchCount | null;
  /** The count could not be had (e.g. no database): show none rather than "counting…" forever. */
  countFailed: boolean;
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): void;
  reload(): void;
}

/**
 * The jobs matching a filter, a keyset page at a time (more pages are fetched as the list scrolls), and their
 * count, fetched apart so the list shows at once. A newer filter or reload supersedes answers still in flight.
 */
export function useJobList(filter: JobFilter): JobList {
  const key = filterKey(filter);
  const [rows, setRows] = useState<JobRow[]>([]);
  const [count, setCount] = useState<MatchCount | null>(null);
  const [countFailed, setCountFailed] = useState(false);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const ticket = useRef(0);
  const filterRef = useRef(filter);
  filterRef.current = filter;

  const fetchPage = useCallback(async (from: string | null, mine: number) => {
    setLoading(true);
    try {
      const page = await api.call('jobs.list', { filter: filterRef.current, cursor: from, limit: PAGE });
      if (mine !== ticket.current) return;
      setRows((prev) => (from ? [...prev, ...page.rows] : page.rows));
      setCursor(page.nextCursor);
      setHasMore(page.nextCursor !== null);
      setError(null);
    } catch (e) {
      if (mine !== ticket.current) return;
      setError((e as Error).message);
      // A first page that failed leaves nothing true to show: old rows would pass for current ones.
      if (!from) setRows([]);
    } finally {
      if (mine === ticket.current) setLoading(false);
    }
  }, []);

  const shownKey = useRef(key);
  useEffect(() => {
    const mine = ++ticket.current;
    // A new filter's count is unknown; a reload of the same filter keeps the old count until the new one comes.
    if (shownKey.current !== key) setCount(null);
    shownKey.current = key;
    void fetchPage(null, mine);
    setCountFailed(false);
    api.call('jobs.count', { filter: filterRef.current }).then(
      (c) => mine === ticket.current && setCount(c),
      () => {
        if (mine !== ticket.current) return;
        setCount(null);
        setCountFailed(true);
      },
    );
  }, [key, version, fetchPage]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return {
    rows,
    count,
    countFailed,
    hasMore,
    loading,
    error,
    loadMore: () => {
      if (!loading && cursor) void fetchPage(cursor, ticket.current);
    },
    reload,
  };
}
