import { z } from 'zod';
import { contract, isOpName, OpError, type OpName, type OpResult } from '../shared/contract/index.ts';
import type { Handler, Handlers } from './domain.ts';
import type { AuditLog, Sessions } from './context.ts';
import { toErrorBody } from './errors.ts';
import { inputShapeProblem } from './input-shape.ts';
import { settingsAuditRecord } from './settings-audit.ts';
import { summarizeIssues } from './input-issues.ts';
import type { LogFn } from './logger.ts';

export interface OperationContext {
  handlers: Handlers;
  sessions: Sessions;
  log: LogFn;
  /** Where settings changes are recorded (operations whose contract declares `audit`). */
  audit?: Pick<AuditLog, 'record'>;
}

/**
 * The single entry point of every operation, whatever the transport: look up, validate, check access, run,
 * and map any failure to a typed error body.
 */
export async function callOperation(ctx: OperationContext, name: string, input: unknown): Promise<OpResult<unknown>> {
  try {
    if (!isOpName(name)) throw new OpError('unknown_operation', `Unknown operation: ${String(name).slice(0, 100)}`);
    const operation = contract[name];
    const shape = inputShapeProblem(input);
    if (shape) throw new OpError('invalid_input', `Invalid input for ${name}: ${shape}`);
    const parsed = operation.input.safeParse(input ?? {});
    if (!parsed.success) {
      throw new OpError(
        'invalid_input',
        `Invalid input for ${name}: ${summarizeIssues(parsed.error)}`,
        z.treeifyError(parsed.error as z.ZodError),
      );
    }
    const writes = operation.access === 'write';
    if (writes) assertWritable(ctx.sessions);
    const handler: Handler<OpName> = ctx.handlers[name];
    try {
      const data: unknown = await handler(parsed.data);
      if (operation.audit) recordSettingsChange(ctx, name, parsed.data);
      return { ok: true, data };
    } finally {
      // What the console itself changed is known at once, not when Postgres' row counters show it (up to 10 s).
      if (writes) ctx.sessions.current()?.noteChange();
    }
  } catch (error) {
    return {
      ok: false,
      error: toErrorBody(error, { operation: String(name).slice(0, 100), where: ctx.sessions.current()?.where, log: ctx.log }),
    };
  }
}

/** The change is made: an audit log that cannot be written is logged, never reported as the change failing. */
function recordSettingsChange(ctx: OperationContext, name: OpName, input: unknown): void {
  try {
    ctx.audit?.record(settingsAuditRecord(name, input, ctx.sessions.current()?.profile.id ?? null));
  } catch (error) {
    ctx.log('warn', `audit: could not record ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Operations that change the user's database are refused on a read-only connection, whatever the transport. */
function assertWritable(sessions: Sessions): void {
  const session = sessions.current();
  if (!session) throw new OpError('not_connected', 'No database is connected');
  const reason = session.status.readOnlyReason;
  if (reason) throw new OpError('read_only', reason);
}
