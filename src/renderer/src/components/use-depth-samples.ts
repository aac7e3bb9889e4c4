import { keepPreviousData } from '@tanstack/react-query';
import { useOp, useStatus } from '../data/use-op.ts';

/** The engine records a depth sample at most this often, as the monitor counts (its default). */
const SAMPLE_MS = 5000;
/** Day and week ranges change slowly: read again at most every minute. */
const SLOW_RANGE_MINUTES = 24 * 60;
const SLOW_REFRESH_MS = 60_000;

/**
 * Queue depth over the last `minutes`, from the engine's SQLite samples. Samples are recorded as the monitor
 * counts, so the query follows the queue (`liveMs`, see data/engine-events.tsx) instead of a timer; a change
 * of range keeps the previous samples on screen until the new ones are in.
 */
export function useDepthSamples(minutes: number) {
  // Samples belong to a database the console has reached (offline: its saved samples).
  const hasData = useStatus((s) => s.connection.state === 'online' || s.connection.state === 'offline') ?? false;
  return useOp(
    'overview.depth',
    { minutes },
    {
      enabled: hasData,
      placeholderData: keepPreviousData,
      meta: { liveMs: minutes >= SLOW_RANGE_MINUTES ? SLOW_REFRESH_MS : SAMPLE_MS },
    },
  );
}
