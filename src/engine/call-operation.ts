import { z } from 'zod';
import { contract, isOpName, OpError, type OpName, type OpResult } from '../shared/contract/index.ts';
import type { Handler } from './domain.ts';
import type { Sessions } from './context.ts';
import { toErrorBody } from './errors.ts';
import { inputShapeProblem } from './input-shape.ts';
import { auditedChange, type SettingsAuditContext } from './audited-change.ts';
import { summarizeIssues } from './input-issues.ts';

/** The engine's parts the entry point needs: the handlers, the sessions, the log and where settings changes go. */
export type OperationContext = SettingsAuditContext;

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
      const data: unknown = operation.audit
        ? await auditedChange(ctx, name, operation.audit, parsed.data, handler)
        : await handler(parsed.data);
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

/** Operations that change the user's database are refused on a read-only connection, whatever the transport. */
function assertWritable(sessions: Sessions): void {
  const session = sessions.current();
  if (!session) throw new OpError('not_connected', 'No database is connected');
  const reason = session.status.readOnlyReason;
  if (reason) throw new OpError('read_only', reason);
}
