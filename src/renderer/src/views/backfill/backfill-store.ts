import { create } from 'zustand';
import { api } from '../../api/client.ts';
import type { BackfillPreview, BackfillRule, BackfillRunRecord, BackfillRunResult } from '../../../../shared/model/backfill.ts';

interface BackfillState {
  rules: BackfillRule[];
  /** Selected rule id, `new` for the editor of a new rule, or null. */
  selected: string | null;
  /** Run log of the selected rule (oldest first), for the backlog chart and the history. */
  runs: BackfillRunRecord[];
  preview: BackfillPreview | null;
  lastResult: BackfillRunResult | null;
  error: string | null;
  loaded: boolean;
  refresh(): Promise<void>;
  select(id: string | null): void;
  refreshRuns(): Promise<void>;
  setPreview(preview: BackfillPreview | null): void;
  setResult(result: BackfillRunResult | null): void;
}

/** The Backfill view's data: rules of the active connection and the selected rule's run log. */
export const useBackfill = create<BackfillState>()((set, get) => ({
  rules: [],
  selected: null,
  runs: [],
  preview: null,
  lastResult: null,
  error: null,
  loaded: false,
  async refresh() {
    try {
      const rules = await api.call('backfill.list', {});
      const selected = get().selected;
      const keep = selected === 'new' || rules.some((r) => r.id === selected);
      set({ rules, loaded: true, error: null, ...(keep ? {} : { selected: rules[0]?.id ?? null }) });
      await get().refreshRuns();
    } catch (error) {
      set({ error: (error as Error).message, loaded: true });
    }
  },
  select(id) {
    set({ selected: id, runs: [], preview: null, lastResult: null });
    void get().refreshRuns();
  },
  async refreshRuns() {
    const id = get().selected;
    if (!id || id === 'new') return set({ runs: [] });
    try {
      const runs = await api.call('backfill.runs', { id, minutes: 7 * 24 * 60 });
      if (get().selected === id) set({ runs });
    } catch (error) {
      set({ error: (error as Error).message });
    }
  },
  setPreview: (preview) => set({ preview }),
  setResult: (lastResult) => set({ lastResult }),
}));
