import { z } from 'zod';
import { PARKED_RUN_AT_ISO } from '../model/control.ts';

const FIRST_MS = Date.parse('0001-01-01T00:00:00Z');
const END_MS = Date.parse('+010000-01-01T00:00:00Z');
const PARKED_MS = Date.parse(PARKED_RUN_AT_ISO);

/**
 * A time in ISO 8601 with its offset, as operations take it: years 0001 to 9999 once in UTC. Zod's format allows year
 * 0000, and an offset can carry 0001-01-01 back into it (or 9999-12-31 on into 10000); Postgres has no year 0 and
 * reads the first as 1 BC, and Jobdeck would show both back in forms it refuses as input.
 */
// abort: a text that is no time at all is told so, not also that its year is out of range.
export const isoTime = z.iso.datetime({ offset: true, abort: true }).refine((value) => {
  const ms = Date.parse(value);
  return !value.startsWith('0000') && ms >= FIRST_MS && ms < END_MS;
}, 'a time needs a year from 0001 to 9999 (in UTC)');

/**
 * A range given as two optional times must not end before it starts: a swapped pair would match nothing and read as
 * "no jobs", where the operator made a mistake. For `.refine(...inOrder('from', 'to'))`.
 */
export function inOrder<K extends string>(
  fromKey: K,
  toKey: K,
): [(o: Partial<Record<K, string>>) => boolean, { message: string; path: PropertyKey[] }] {
  return [
    (o) => {
      const from = o[fromKey];
      const to = o[toKey];
      return from === undefined || to === undefined || Date.parse(from) <= Date.parse(to);
    },
    { message: `${fromKey} must not be after ${toKey}`, path: [toKey] },
  ];
}

/** When a job is to run: a time before 9999-01-01, where a pause parks jobs until it is resumed. */
export const runTime = isoTime.refine(
  (value) => Date.parse(value) < PARKED_MS,
  'a run time must be before 9999-01-01 (where paused jobs are parked)',
);
