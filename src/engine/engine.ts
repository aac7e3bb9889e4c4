import { z } from 'zod';
import {
  contract,
  isOpName,
  OpError,
  type JobdeckEvent,
  type OpName,
  type OpResult,
} from '../shared/contract/index.ts';
import { EngineCore, type EngineOptions, type StartOptions } from './core.ts';
import { handlers } from './ops/index.ts';
import type { Handler } from './ops/types.ts';
import type { StopReport } from './runner/host.ts';
import type { EngineStatus } from '../shared/model/status.ts';

/** What a transport (IPC, HTTP) needs: call an operation by name with untrusted input, and listen. */
export interface Engine {
  call(name: string, input: unknown): Promise<OpResult<unknown>>;
  subscribe(listener: (event: JobdeckEvent) => void): () => void;
  start(options?: StartOptions): Promise<void>;
  stop(timeoutMs?: number): Promise<StopReport>;
  status(): EngineStatus;
  /** For tests and the hosting process; transports must not reach in. */
  readonly core: EngineCore;
}

export function createEngine(options: EngineOptions): Engine {
  const core = new EngineCore(options);
  return {
    core,
    call: (name, input) => callOperation(core, name, input),
    subscribe: (listener) => core.subscribe(listener),
    start: (startOptions) => core.start(startOptions),
    stop: (timeoutMs) => core.stop(timeoutMs),
    status: () => core.status(),
  };
}

/** The single entry point of every operation: look up, validate, check access, run, wrap the result. */
export async function callOperation(core: EngineCore, name: string, input: unknown): Promise<OpResult<unknown>> {
  try {
    if (!isOpName(name)) throw new OpError('unknown_operation', `Unknown operation: ${String(name).slice(0, 100)}`);
    const operation = contract[name];
    const parsed = operation.input.safeParse(input ?? {});
    if (!parsed.success) {
      throw new OpError('invalid_input', `Invalid input for ${name}: ${summarizeIssues(parsed.error)}`, z.treeifyError(parsed.error as z.ZodError));
    }
    if (operation.access === 'write') assertWritable(core);
    const handler = handlers[name] as Handler<OpName>;
    const data = await handler(parsed.data as never, core);
    return { ok: true, data };
  } catch (error) {
    if (error instanceof OpError) return { ok: false, error: error.toJSON() };
    core.log('error', `${name} failed: ${(error as Error)?.stack ?? String(error)}`);
    return { ok: false, error: { code: 'internal', message: String((error as Error)?.message ?? error).slice(0, 2000) } };
  }
}

function summarizeIssues(error: z.ZodError<unknown>): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}

/** Operations that change the user's database are refused on a read-only connection, whatever the transport. */
function assertWritable(core: EngineCore): void {
  const session = core.session;
  if (!session) throw new OpError('not_connected', 'No database is connected');
  const reason = session.status.readOnlyReason;
  // Installing the schema is the one write that makes sense before the schema exists.
  if (reason) throw new OpError('read_only', reason);
}
