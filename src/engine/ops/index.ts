import type { Handlers } from './types.ts';
import { appHandlers } from './app.ts';
import { backfillHandlers } from './backfill.ts';
import { connectionHandlers } from './connections.ts';
import { historyHandlers } from './history.ts';
import { jobHandlers } from './jobs.ts';
import { overviewHandlers } from './overview.ts';
import { runnerHandlers } from './runner.ts';
import { stuckHandlers } from './stuck.ts';

/** Every operation of the contract, implemented; a missing one is a type error. */
export const handlers: Handlers = {
  ...appHandlers,
  ...backfillHandlers,
  ...connectionHandlers,
  ...historyHandlers,
  ...jobHandlers,
  ...runnerHandlers,
  ...overviewHandlers,
  ...stuckHandlers,
};
