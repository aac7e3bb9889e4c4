/** The ways an operation can fail, the same over IPC and HTTP. */
export const OP_ERROR_CODES = [
  'invalid_input',
  'unknown_operation',
  'unauthorized',
  'method_not_allowed',
  'too_large',
  'not_found',
  'read_only',
  'not_connected',
  'schema_missing',
  'schema_too_new',
  'database_error',
  'storage_error',
  'conflict',
  'unavailable',
  'internal',
] as const;
export type OpErrorCode = (typeof OP_ERROR_CODES)[number];

export interface OpErrorBody {
  code: OpErrorCode;
  message: string;
  /** Field-level problems for invalid input, or other structured detail. */
  details?: unknown;
  /** For an internal error: the id under which the engine logged it in full, for the operator to quote. */
  correlationId?: string;
}

/** Every operation's answer on the wire: results are wrapped so errors survive any transport unchanged. */
export type OpResult<T> = { ok: true; data: T } | { ok: false; error: OpErrorBody };

/** An operation failure with a code an operator (and the UI) can act on. */
export class OpError extends Error {
  readonly code: OpErrorCode;
  readonly details?: unknown;
  constructor(code: OpErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'OpError';
    this.code = code;
    this.details = details;
  }
  toJSON(): OpErrorBody {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) };
  }
}

/** HTTP status for each error code (the IPC transport carries the code itself). */
export const HTTP_STATUS: Record<OpErrorCode, number> = {
  invalid_input: 400,
  unknown_operation: 404,
  unauthorized: 401,
  method_not_allowed: 405,
  too_large: 413,
  not_found: 404,
  read_only: 403,
  not_connected: 503,
  schema_missing: 409,
  schema_too_new: 409,
  database_error: 502,
  storage_error: 503,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};
