import { useCallback, useSyncExternalStore } from 'react';
import type { JobdeckEvent } from '../../../shared/contract/index.ts';

export type ActionProgress = Extract<JobdeckEvent, { type: 'action.progress' }>;

/** Enough for the actions of this window and of others running at the same time. */
const KEPT = 50;
const latest = new Map<string, ActionProgress>();
const listeners = new Set<() => void>();

/**
 * Keeps the latest progress of each action, whoever started it. The event hub records every `action.progress`
 * event here, so the first ones are not lost while the dialog that waits for them is still rendering.
 */
export function recordProgress(event: ActionProgress): void {
  latest.delete(event.actionId);
  latest.set(event.actionId, event);
  if (latest.size > KEPT) latest.delete(latest.keys().next().value!);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The latest progress of one action (null before its first event, or without an action). */
export function useActionProgress(actionId: string | null): ActionProgress | null {
  const read = useCallback(() => (actionId ? (latest.get(actionId) ?? null) : null), [actionId]);
  return useSyncExternalStore(subscribe, read);
}
