import type { JobdeckEvent } from '../shared/contract/index.ts';
import type { EventBus } from './context.ts';
import type { LogFn } from './logger.ts';

/** One bus per engine: a listener that throws is logged and the others still hear the event. */
export function createEventBus(log: LogFn): EventBus & { clear(): void } {
  const listeners = new Set<(event: JobdeckEvent) => void>();
  return {
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          log('warn', `event listener failed: ${(error as Error).message}`);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear: () => listeners.clear(),
  };
}
