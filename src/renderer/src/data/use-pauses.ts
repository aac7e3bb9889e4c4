import { useMemo } from 'react';
import type { Pause, PauseKind } from '../../../shared/model/control.ts';
import { useOp, useStatus } from './use-op.ts';

export interface Pauses {
  list: Pause[];
  /** The pause of this task or queue, if any. */
  of(kind: PauseKind, name: string): Pause | undefined;
  /** Pools taking jobs of a paused task or queue (workers without the companion). */
  unheldPools: string[];
}

/**
 * The active database's pauses (control.list), shared by every view that marks paused tasks and queues. Read
 * again after a pause or resume (writes.ts, the `control` event) and every 5 s, since a pause can end by itself
 * or be made by another console.
 */
export function usePauses(): Pauses {
  const online = useStatus((s) => s.connection.state === 'online' && s.connection.schema?.installed === true);
  const data = useOp('control.list', {}, { enabled: online === true, refetchInterval: 5_000 }).data;
  return useMemo(() => {
    const list = data?.pauses ?? [];
    const byKey = new Map(list.map((p) => [`${p.kind}:${p.name}`, p]));
    return { list, of: (kind, name) => byKey.get(`${kind}:${name}`), unheldPools: data?.unheldPools ?? [] };
  }, [data]);
}

/** Whether actions that change the database may be offered (connected, writable). */
export function useCanWrite(): boolean {
  return useStatus((s) => s.connection.state === 'online' && !s.connection.readOnlyReason) === true;
}
