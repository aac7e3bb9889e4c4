import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import type { StuckReport } from '../../../../shared/model/stuck.ts';

const REFRESH_MS = 5_000;

/**
 * The stuck report, read every 5 s while the view is open and again after a recovery event or an action.
 * (It is several scans of graphile-worker's table, so it is read on demand here, not by the shared monitor.)
 */
export function useStuckReport() {
  const [report, setReport] = useState<StuckReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const next = await api.call('stuck.get', { limit: 200 });
      if (mine === seq.current) {
        setReport(next);
        setError(null);
      }
    } catch (e) {
      if (mine === seq.current) setError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    const unsubscribe = api.subscribe((event) => {
      if (event.type === 'recovery') void refresh();
    });
    return () => {
      clearInterval(timer);
      unsubscribe();
    };
  }, [refresh]);

  return { report, error, refresh };
}
