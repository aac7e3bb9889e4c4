import { useMemo } from 'react';
import type { Breaker, BreakerSettings, PauseKind } from '../../../shared/model/control.ts';
import { BREAKER_DEFAULTS } from '../../../shared/model/control.ts';
import { useOp, useStatus } from './use-op.ts';

export interface Breakers {
  /** The breaker of this task or queue, if one was ever set. */
  of(kind: PauseKind, name: string): Breaker | undefined;
  defaults: BreakerSettings;
}

/**
 * The active connection's circuit breakers (control.breaker.get), shared by every row that shows one. Read again
 * on a `breaker` or `control` event, after a change, and every 5 s (the window's figures move).
 */
export function useBreakers(): Breakers {
  const online = useStatus((s) => s.connection.state === 'online' && s.connection.schema?.installed === true);
  const data = useOp('control.breaker.get', {}, { enabled: online === true, refetchInterval: 5_000 }).data;
  return useMemo(() => {
    const byKey = new Map((data?.breakers ?? []).map((b) => [`${b.kind}:${b.name}`, b]));
    return { of: (kind, name) => byKey.get(`${kind}:${name}`), defaults: data?.defaults ?? BREAKER_DEFAULTS };
  }, [data]);
}
