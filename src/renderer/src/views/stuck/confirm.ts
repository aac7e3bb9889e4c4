import type { StuckRequest } from './stuck-actions.ts';

/** A question the stuck view asks before an unlock that may hit a live worker. */
export interface PendingConfirm {
  title: string;
  body: string;
  confirmLabel: string;
  danger?: boolean;
  run: () => void;
}

export type Ask = (question: PendingConfirm) => void;

/** Opens the dialog of a retry or cancel (its question, progress and report). */
export type Act = (request: StuckRequest) => void;

/** Unlocks pools (force: also pools judged probably alive); says what it did in a toast. */
export type Unlock = (poolIds: string[], force: boolean) => void;
