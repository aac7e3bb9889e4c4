import type { z } from 'zod';

/**
 * What an operation touches, which decides when the engine refuses it:
 * - `read`: reads the user's Postgres or Jobdeck's own SQLite;
 * - `local`: changes only Jobdeck's own state (SQLite, settings, the hosted runner);
 * - `write`: changes the user's Postgres, so it is refused on a read-only connection.
 */
export type Access = 'read' | 'local' | 'write';

/**
 * A change of Jobdeck's settings that the audit log keeps (who changed the alert rules, turned automatic recovery
 * on, ...): in words ("changed" "the alert rules"), and the view where it is set (a route path; none: set through
 * the API alone).
 */
export interface SettingsAudit {
  readonly verb: string;
  readonly what: string;
  readonly view?: string;
  /** A setting of the active connection (kept with its entries); otherwise of the whole console (listed with every one). */
  readonly perConnection?: true;
  /**
   * The read (an operation without input) whose answer is the setting: asked before and after, and a change that
   * changed nothing is not recorded. `pick`: the answer's field that is the setting, recorded as before -> after.
   */
  readonly read?: { readonly op: string; readonly pick?: string };
}

/** One operation of the contract: its input schema, its output type (phantom) and what it touches. */
export interface Operation<I extends z.ZodType = z.ZodType, O = unknown> {
  readonly input: I;
  readonly access: Access;
  readonly summary: string;
  /** Recorded in the audit log when it succeeds, with its input (secrets hidden). */
  readonly audit?: SettingsAudit;
  /** Never set: carries the output type for the typed client and handlers. */
  readonly output?: O;
}

/** Declares an operation: `op<Output>()({ input, access, summary, audit? })`. */
export function op<O>() {
  return <I extends z.ZodType>(definition: { input: I; access: Access; summary: string; audit?: SettingsAudit }): Operation<I, O> =>
    definition;
}
