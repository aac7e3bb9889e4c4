import type { z } from 'zod';

/**
 * What an operation touches, which decides when the engine refuses it:
 * - `read`: reads the user's Postgres or Jobdeck's own SQLite;
 * - `local`: changes only Jobdeck's own state (SQLite, settings, the hosted runner);
 * - `write`: changes the user's Postgres, so it is refused on a read-only connection.
 */
export type Access = 'read' | 'local' | 'write';

/** One operation of the contract: its input schema, its output type (phantom) and what it touches. */
export interface Operation<I extends z.ZodType = z.ZodType, O = unknown> {
  readonly input: I;
  readonly access: Access;
  readonly summary: string;
  /** Never set: carries the output type for the typed client and handlers. */
  readonly output?: O;
}

/** Declares an operation: `op<Output>()({ input, access, summary })`. */
export function op<O>() {
  return <I extends z.ZodType>(definition: { input: I; access: Access; summary: string }): Operation<I, O> => definition;
}
