import type { HandlersOf } from './types.ts';

export const overviewHandlers: HandlersOf<'overview.get' | 'overview.depth'> = {
  'overview.get': (_input, core) => core.session?.latest() ?? null,
  'overview.depth': ({ minutes }, core) => {
    const id = core.session?.profile.id;
    return id ? core.depth.range(id, minutes) : [];
  },
};
