import { mkdtempSync, rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { startTestPostgres, type TestPostgres } from './postgres.ts';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type Engine } from '../../src/engine/index.ts';
import type { EngineOptions, StartOptions } from '../../src/engine/index.ts';
import type { OpName, OpOutput } from '../../src/shared/contract/index.ts';

export interface TestEngine {
  engine: Engine;
  dataDir: string;
  /** Calls an operation and returns its data, throwing with the engine's message when it fails. */
  call<N extends OpName>(name: N, input?: unknown): Promise<OpOutput<N>>;
  /** Stops the engine; `keepData` leaves the SQLite file for a restarted engine to open. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** A real engine with its own SQLite file in a temp folder, started against `databaseUrl` (or the embedded demo). */
export async function startTestEngine(
  start: StartOptions &
    Pick<EngineOptions, 'depthSampleMs' | 'troubleEveryMs' | 'demoWorker' | 'log' | 'recovery' | 'alerts'> & { dataDir?: string } = {},
): Promise<TestEngine> {
  const dataDir = start.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'jobdeck-engine-'));
  const engine = createEngine({
    dataDir,
    mode: 'web',
    log: start.log ?? (() => {}),
    depthSampleMs: start.depthSampleMs,
    troubleEveryMs: start.troubleEveryMs,
    demoWorker: start.demoWorker,
    recovery: start.recovery,
    alerts: start.alerts,
  });
  await engine.start({ runner: false, ...start });
  return {
    engine,
    dataDir,
    async call(name, input = {}) {
      const result = await engine.call(name, input);
      if (!result.ok) throw Object.assign(new Error(`${name}: ${result.error.message}`), { code: result.error.code });
      return result.data as never;
    },
    async close(options) {
      await engine.stop(5_000);
      if (!options?.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 15_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A fresh embedded database (graphile-worker migrated) and an engine watching it, for one test file: registers
 * its own before/after hooks. Read `.db` and `.te` inside tests (they exist once `before` has run).
 */
export function useTestDatabase(start: StartOptions = {}): { readonly db: TestPostgres; readonly te: TestEngine } {
  let db: TestPostgres | undefined;
  let te: TestEngine | undefined;
  before(async () => {
    db = await startTestPostgres();
    te = await startTestEngine({ databaseUrl: db.connectionString, runner: false, ...start });
  });
  after(async () => {
    await te?.close();
    await db?.close();
  });
  return {
    get db() {
      return db!;
    },
    get te() {
      return te!;
    },
  };
}
