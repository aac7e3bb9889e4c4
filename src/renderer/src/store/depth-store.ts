import { create } from 'zustand';
import { api } from '../api/client.ts';
import type { DepthSample } from '../../../shared/model/overview.ts';

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

interface DepthState {
  rangeMinutes: number;
  /** Samples for the chart's range. */
  samples: DepthSample[];
  /** Samples of the last TREND_MINUTES, for the state cards. */
  recent: DepthSample[];
  /** The connection the samples belong to. */
  profileId: string | null;
  loaded: boolean;
  error: string | null;
  setRange(minutes: number): void;
  refresh(profileId: string | null): Promise<void>;
}

let inFlight = 0;
/** When the chart's range was last fetched: day and week ranges change slowly, so they refresh every minute. */
let rangeFetchedAt = 0;
const SLOW_RANGE_MINUTES = 24 * 60;
const SLOW_REFRESH_MS = 60_000;

/** Queue depth over time, fetched from the engine's SQLite samples every few seconds and on range change. */
export const useDepth = create<DepthState>()((set, get) => ({
  rangeMinutes: savedRange(),
  samples: [],
  recent: [],
  profileId: null,
  loaded: false,
  error: null,
  setRange(minutes) {
    localStorage.setItem(RANGE_KEY, String(minutes));
    rangeFetchedAt = 0;
    set({ rangeMinutes: minutes, loaded: false });
    void get().refresh(get().profileId);
  },
  async refresh(profileId) {
    const ticket = ++inFlight;
    if (profileId !== get().profileId) {
      rangeFetchedAt = 0;
      set({ profileId, samples: [], recent: [], loaded: false });
    }
    if (!profileId) return;
    const minutes = get().rangeMinutes;
    const fetchRange = minutes < SLOW_RANGE_MINUTES || Date.now() - rangeFetchedAt > SLOW_REFRESH_MS;
    try {
      const [samples, recent] = await Promise.all([
        fetchRange ? api.call('overview.depth', { minutes }) : null,
        minutes === TREND_MINUTES ? null : api.call('overview.depth', { minutes: TREND_MINUTES }),
      ]);
      // A newer request (range change, switch of database) supersedes this one.
      if (ticket !== inFlight) return;
      if (samples) rangeFetchedAt = Date.now();
      const chart = samples ?? get().samples;
      set({ samples: chart, recent: recent ?? chart, loaded: true, error: null });
    } catch (error) {
      if (ticket === inFlight) set({ error: (error as Error).message, loaded: true });
    }
  },
}));
