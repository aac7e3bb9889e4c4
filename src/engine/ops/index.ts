import type { Handlers } from './types.ts';
import { appHandlers } from './app.ts';
import { connectionHandlers } from './connections.ts';
import { overviewHandlers } from './overview.ts';
import { runnerHandlers } from './runner.ts';

/** Every operation of the contract, implemented; a missing one is a type error. */
export const handlers: Handlers = {
  ...appHandlers,
  ...connectionHandlers,
  ...runnerHandlers,
  ...overviewHandlers,
};
