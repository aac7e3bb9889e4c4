import { create } from 'zustand';
import type { EngineStatus } from '../../../shared/model/status.ts';

interface OfflineState {
  /** When the console first saw the connection offline (the engine does not say when it went down). */
  since: number | null;
  /** Called with each new status and the one before it (engine-events.tsx). */
  observe: (status: EngineStatus, previous: EngineStatus | undefined) => void;
}

/** What the console observed about the connection, which the engine's status does not carry. */
export const useOffline = create<OfflineState>()((set, get) => ({
  since: null,
  observe(status, previous) {
    if (status.connection.state !== 'offline') return set({ since: null });
    if (get().since !== null) return;
    // Seen going down: now. Opened while down: the last good snapshot is the best bound there is.
    const last = status.connection.lastSnapshotAt;
    set({ since: previous?.connection.state === 'online' || !last ? Date.now() : Date.parse(last) });
  },
}));
