import { create } from 'zustand';
import { api } from '../../api/client.ts';
import type { FailedAttempt, HistoryStatus, HistorySummary, HistoryWindow } from '../../../../shared/model/history.ts';

/** The list's filters; the charts follow `task` and the window. */
export interface ListFilter {
  errorType?: string;
  task?: string;
  search?: string;
  /** Restrict the list to the chart window. */
  from?: string;
}

interface FailuresState {
  window: HistoryWindow;
  task: string | null;
  summary: HistorySummary | null;
  status: HistoryStatus | null;
  error: string | null;
  filter: ListFilter;
  rows: FailedAttempt[];
  nextCursor: string | null;
  listLoading: boolean;
  setWindow(window: HistoryWindow): void;
  setTask(task: string | null): void;
  setFilter(filter: ListFilter): void;
  refresh(): Promise<void>;
  loadList(): Promise<void>;
  loadMore(): Promise<void>;
}

const WINDOW_KEY = 'jobdeck:failures-window';
const savedWindow = (): HistoryWindow => {
  const w = localStorage.getItem(WINDOW_KEY);
  return w === '1h' || w === '24h' || w === '7d' || w === '30d' ? w : '24h';
};

let listTicket = 0;

/** Charts, figures and the failed-attempt list of the Failures view; all read from Jobdeck's SQLite. */
export const useFailures = create<FailuresState>()((set, get) => ({
  window: savedWindow(),
  task: null,
  summary: null,
  status: null,
  error: null,
  filter: {},
  rows: [],
  nextCursor: null,
  listLoading: false,
  setWindow(window) {
    localStorage.setItem(WINDOW_KEY, window);
    set({ window });
    void get().refresh();
  },
  setTask(task) {
    set({ task, filter: { ...get().filter, task: task ?? undefined } });
    void get().refresh();
    void get().loadList();
  },
  setFilter(filter) {
    set({ filter });
    void get().loadList();
  },
  async refresh() {
    const { window, task } = get();
    try {
      const [summary, status] = await Promise.all([
        api.call('history.summary', { window, ...(task ? { task } : {}) }),
        api.call('history.status', {}),
      ]);
      set({ summary, status, error: null });
    } catch (error) {
      set({ error: (error as Error).message });
    }
  },
  async loadList() {
    const ticket = ++listTicket;
    set({ listLoading: true });
    try {
      const page = await api.call('history.list', { ...clean(get().filter), limit: 50 });
      if (ticket === listTicket) set({ rows: page.rows, nextCursor: page.nextCursor, listLoading: false });
    } catch (error) {
      if (ticket === listTicket) set({ rows: [], nextCursor: null, listLoading: false, error: (error as Error).message });
    }
  },
  async loadMore() {
    const cursor = get().nextCursor;
    if (!cursor) return;
    const ticket = listTicket;
    const page = await api.call('history.list', { ...clean(get().filter), limit: 50, cursor });
    if (ticket === listTicket) set({ rows: [...get().rows, ...page.rows], nextCursor: page.nextCursor });
  },
}));

/** Drops empty fields: the contract's schemas are strict and reject empty strings. */
export function clean(filter: ListFilter): ListFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '')) as ListFilter;
}
