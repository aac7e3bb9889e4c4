import { contract, isOpName, type OpName } from '../shared/contract/index.ts';
import type { SettingsAudit } from '../shared/contract/define.ts';
import type { AuditLog, Sessions } from './context.ts';
import type { Handler, Handlers } from './domain.ts';
import type { LogFn } from './logger.ts';
import { settledWithin } from './settled-within.ts';
import { settingOf, settingsAuditRecord } from './settings-audit.ts';

/** What recording a settings change needs of the engine. */
export interface SettingsAuditContext {
  handlers: Handlers;
  sessions: Sessions;
  log: LogFn;
  audit: Pick<AuditLog, 'record'>;
  /**
   * Runs audited changes one at a time: each reads its setting before and after itself, and two at once would each
   * read the other's change (a concurrency set to 8 then back to 4, logged as "8 → 4" and nothing else).
   */
  oneAtATime: <T>(run: () => Promise<T>) => Promise<T>;
}

/** A read that answers later than this is not waited for: the change is then recorded as it was asked. */
const READ_TIMEOUT_MS = 2_000;

/**
 * Runs a change the contract audits and records it: unless its setting reads the same after as before (nothing
 * changed), and also when the handler failed after changing it (saved, then the runner could not restart), with the
 * failure. An audit log that cannot be written is logged, never reported as the change failing.
 */
export function auditedChange(
  ctx: SettingsAuditContext,
  name: OpName,
  spec: SettingsAudit,
  input: unknown,
  handler: Handler<OpName>,
): Promise<unknown> {
  return ctx.oneAtATime(async () => {
    const before = await readSetting(ctx, spec);
    let failure: Error | null = null;
    let data: unknown;
    try {
      data = await handler(input as never);
    } catch (error) {
      // Handlers throw OpErrors (and Errors); thrown on as it came.
      failure = error as Error;
    }
    try {
      const after = before ? await readSetting(ctx, spec) : undefined;
      const change = before && after ? { before: before.value, after: after.value } : undefined;
      const connectionId = ctx.sessions.current()?.profile.id ?? null;
      const record = settingsAuditRecord(name, spec, input, connectionId, change, failure);
      if (record) ctx.audit.record(record);
    } catch (error) {
      ctx.log('warn', `audit: could not record ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (failure) throw failure;
    return data;
  });
}

/** The setting as its read answers now; undefined without a read, when it fails or is slow, or picks nothing. */
async function readSetting(ctx: Pick<SettingsAuditContext, 'handlers'>, spec: SettingsAudit): Promise<{ value: unknown } | undefined> {
  const read = spec.read?.op;
  if (!read || !isOpName(read)) return undefined;
  let answer: unknown;
  const reading = Promise.resolve((ctx.handlers[read] as Handler<OpName>)(contract[read].input.parse({}) as never)).then(
    (a: unknown) => (answer = a),
  );
  if (!(await settledWithin(reading, READ_TIMEOUT_MS)) || answer === undefined) return undefined;
  const value = settingOf(spec, answer);
  return value === undefined ? undefined : { value };
}
