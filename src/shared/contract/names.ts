import { z } from 'zod';

/**
 * A task identifier or queue name as an operation takes it: graphile-worker allows any text, but one of spaces only
 * is never meant, and would show as an empty cell wherever it is named.
 */
export const workName = (max: number) => z.string().min(1).max(max).regex(/\S/, 'must not be blank');
