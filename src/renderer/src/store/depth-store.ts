import { create } from 'zustand';

export const DEPTH_RANGES = [
  { key: '15m', label: '15 min', minutes: 15 },
  { key: '1h', label: '1 h', minutes: 60 },
  { key: '24h', label: '24 h', minutes: 24 * 60 },
  { key: '7d', label: '7 d', minutes: 7 * 24 * 60 },
] as const;

/** The state cards' trends always cover this window, whatever range the chart shows. */
export const TREND_MINUTES = 15;

const RANGE_KEY = 'jobdeck:depth-range';

function savedRange(): number {
  const saved = Number(localStorage.getItem(RANGE_KEY));
  return DEPTH_RANGES.some((r) => r.minutes === saved) ? saved : 60;
}

interface DepthRangeState {
  rangeMinutes: number;
  setRange: (minutes: number) => void;
}

/** The depth chart's range, kept across sessions (the samples themselves: components/use-depth-samples.ts). */
export const useDepthRange = create<DepthRangeState>()((set) => ({
  rangeMinutes: savedRange(),
  setRange(minutes) {
    localStorage.setItem(RANGE_KEY, String(minutes));
    set({ rangeMinutes: minutes });
  },
}));
