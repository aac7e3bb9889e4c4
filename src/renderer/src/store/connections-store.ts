import { create } from 'zustand';
import { api } from '../api/client.ts';
import type { ConnectionProfile } from '../../../shared/model/connection.ts';

interface ConnectionsState {
  profiles: ConnectionProfile[];
  loaded: boolean;
  error: string | null;
  refresh(): Promise<void>;
}

/** Saved connections (never with passwords). */
export const useConnections = create<ConnectionsState>()((set) => ({
  profiles: [],
  loaded: false,
  error: null,
  async refresh() {
    try {
      set({ profiles: await api.call('connections.list', {}), loaded: true, error: null });
    } catch (error) {
      set({ loaded: true, error: (error as Error).message });
    }
  },
}));
