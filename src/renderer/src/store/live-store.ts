import { create } from 'zustand';
import type { EngineStatus, DemoStatus, RunnerStatus } from '../../../shared/model/status.ts';
import type { OverviewSnapshot } from '../../../shared/model/overview.ts';

/** What the engine pushes: its status and the latest counts, plus what the console observed about them. */
export interface LiveState {
  status: EngineStatus | null;
  snapshot: OverviewSnapshot | null;
  /** When the console first saw the connection offline (the engine does not say when it went down). */
  offlineSince: number | null;
  /** The console cannot reach Jobdeck at all (no token, server gone): shown instead of the views. */
  fatal: string | null;
  setStatus(status: EngineStatus): void;
  setSnapshot(snapshot: OverviewSnapshot | null): void;
  patchRunner(runner: RunnerStatus): void;
  patchDemo(demo: DemoStatus): void;
  setFatal(message: string | null): void;
}

export const useLive = create<LiveState>()((set, get) => ({
  status: null,
  snapshot: null,
  offlineSince: null,
  fatal: null,
  setStatus(status) {
    const prev = get().status;
    let offlineSince = get().offlineSince;
    if (status.connection.state !== 'offline') offlineSince = null;
    else if (offlineSince === null) {
      // Seen going down: now. Opened while down: the last good snapshot is the best bound there is.
      const last = status.connection.lastSnapshotAt;
      offlineSince = prev?.connection.state === 'online' || !last ? Date.now() : Date.parse(last);
    }
    const sameDb = prev?.connection.profileId === status.connection.profileId;
    set({
      status,
      offlineSince,
      fatal: null,
      // A different database: the previous one's counts no longer apply.
      snapshot: sameDb || !prev ? get().snapshot : null,
    });
  },
  setSnapshot: (snapshot) => set({ snapshot }),
  patchRunner(runner) {
    const status = get().status;
    if (status) set({ status: { ...status, runner } });
  },
  patchDemo(demo) {
    const status = get().status;
    if (status) set({ status: { ...status, demo } });
  },
  setFatal: (fatal) => set({ fatal }),
}));
