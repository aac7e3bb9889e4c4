import { create } from 'zustand';

interface BackfillState {
  /** Selected rule id, `new` for the editor of a new rule, or null (the first rule is shown). */
  selected: string | null;
  select: (id: string | null) => void;
}

/** Which rule the Backfill view shows (the rules and their runs: queries in BackfillView). */
export const useBackfill = create<BackfillState>()((set) => ({
  selected: null,
  select: (selected) => set({ selected }),
}));
