import { z } from 'zod';
import { contract, isOpName, OpError, type OpName, type OpResult } from '../shared/contract/index.ts';
import type { SettingsAudit } from '../shared/contract/define.ts';
import type { Handler, Handlers } from './domain.ts';
import type { AuditLog, Sessions } from './context.ts';
import { toErrorBody } from './errors.ts';
import { inputShapeProblem } from './input-shape.ts';
import { settingOf, settingsAuditRecord } from './settings-audit.ts';
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
      const spec = operation.audit;
      const before = spec ? await readSetting(ctx, spec) : undefined;
      const data: unknown = await handler(parsed.data);
      if (spec) await recordSettingsChange(ctx, name, spec, parsed.data, before);
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

/** The setting an audited change changes, as its read answers now; undefined without a read, or when it fails. */
async function readSetting(ctx: OperationContext, spec: SettingsAudit): Promise<{ value: unknown } | undefined> {
  const read = spec.read?.op;
  if (!read || !isOpName(read)) return undefined;
  try {
    const answer: unknown = await (ctx.handlers[read] as Handler<OpName>)(contract[read].input.parse({}));
    return { value: settingOf(spec, answer) };
  } catch {
    return undefined;
  }
}

/**
 * The change is made: it is recorded unless its setting reads the same as before. An audit log that cannot be written
 * is logged, never reported as the change failing.
 */
async function recordSettingsChange(
  ctx: OperationContext,
  name: OpName,
  spec: SettingsAudit,
  input: unknown,
  before: { value: unknown } | undefined,
): Promise<void> {
  try {
    const after = before ? await readSetting(ctx, spec) : undefined;
    const change = before && after ? { before: before.value, after: after.value } : undefined;
    const record = settingsAuditRecord(name, spec, input, ctx.sessions.current()?.profile.id ?? null, change);
    if (record) ctx.audit?.record(record);
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
