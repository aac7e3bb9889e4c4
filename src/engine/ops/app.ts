import type { HandlersOf } from './types.ts';

export const appHandlers: HandlersOf<'app.status'> = {
  'app.status': (_input, core) => core.status(),
};
