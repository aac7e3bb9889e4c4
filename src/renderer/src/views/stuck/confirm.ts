/** A question the stuck view asks before an action that cannot be undone or that may hit a live worker. */
export interface PendingConfirm {
  title: string;
  body: string;
  confirmLabel: string;
  danger?: boolean;
  run(): Promise<unknown>;
}

export type Ask = (question: PendingConfirm) => void;

/** Runs an action with the view marked busy, then reads the report again. */
export type Act = (run: () => Promise<unknown>) => Promise<void>;
