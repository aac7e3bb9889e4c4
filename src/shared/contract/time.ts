import { z } from 'zod';

/**
 * A time in ISO 8601 with its offset, as operations take it. Zod's format allows year 0000, which Postgres (that
 * has no year 0) would refuse with an error of its own: such a time is refused here, as bad input.
 */
export const isoTime = z.iso
  .datetime({ offset: true })
  .refine((value) => !value.startsWith('0000'), 'a time needs a year from 0001 to 9999');
