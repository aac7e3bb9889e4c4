import type { OpInput, OpName } from '../../../shared/contract/index.ts';

/**
 * A query's key is the call it makes: `['jobs.get', { id: '42' }]` is `api.call('jobs.get', { id: '42' })`.
 * `[name]` alone is the prefix of every key of that operation, which is how writes and events make them stale.
 */
export type OpKey<N extends OpName = OpName> = readonly [N, OpInput<N>];

export function opKey<N extends OpName>(name: N, input: OpInput<N>): OpKey<N> {
  return [name, input];
}

/** The engine's status has one key: every view reads it, the pushed `status` events write it. */
export const STATUS_KEY = opKey('app.status', {});

/** The latest counts, written by the pushed `overview` events. */
export const OVERVIEW_KEY = opKey('overview.get', {});
