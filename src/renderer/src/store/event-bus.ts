import type { JobdeckEvent, JobdeckEventType } from '../../../shared/contract/index.ts';

type Listener = (event: JobdeckEvent) => void;
const listeners = new Set<Listener>();

/**
 * Views that want pushed events (backfill runs, action progress…) listen here: the console keeps a single
 * subscription to the engine (one event stream in web mode) and fans it out.
 */
export function onEvent<T extends JobdeckEventType>(
  type: T,
  listener: (event: Extract<JobdeckEvent, { type: T }>) => void,
): () => void {
  const wrapped: Listener = (event) => {
    if (event.type === type) listener(event as Extract<JobdeckEvent, { type: T }>);
  };
  listeners.add(wrapped);
  return () => listeners.delete(wrapped);
}

export function dispatchEvent(event: JobdeckEvent): void {
  for (const listener of listeners) listener(event);
}
