import { create } from 'zustand';
import type { HistoryWindow } from '../../../../shared/model/history.ts';

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
  filter: ListFilter;
  setWindow: (window: HistoryWindow) => void;
  setTask: (task: string | null) => void;
  setFilter: (filter: ListFilter) => void;
}

const WINDOW_KEY = 'jobdeck:failures-window';

const savedWindow = (): HistoryWindow => {
  const w = localStorage.getItem(WINDOW_KEY);
  return w === '1h' || w === '24h' || w === '7d' || w === '30d' ? w : '24h';
};

/** What the Failures view shows: the chart window, the task it is narrowed to, the list's filters (data: use-history.ts). */
export const useFailures = create<FailuresState>()((set, get) => ({
  window: savedWindow(),
  task: null,
  filter: {},
  setWindow(window) {
    localStorage.setItem(WINDOW_KEY, window);
    set({ window });
  },
  setTask(task) {
    set({ task, filter: { ...get().filter, task: task ?? undefined } });
  },
  setFilter: (filter) => set({ filter }),
}));

/** Drops empty fields: the contract's schemas are strict and reject empty strings. */
export function clean(filter: ListFilter): ListFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
}
