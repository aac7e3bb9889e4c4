import type { z } from 'zod';
import { alertOps } from './alerts.ts';
import { appOps } from './app.ts';
import { backfillOps } from './backfill.ts';
import { connectionOps } from './connections.ts';
import { controlOps } from './control.ts';
import { cronOps } from './cron.ts';
import { jobOps } from './jobs.ts';
import { jobSearchOps } from './job-search.ts';
import { historyOps } from './history.ts';
import { overviewOps } from './overview.ts';
import { runnerOps } from './runner.ts';
import { stuckOps } from './stuck.ts';
import { workerOps } from './workers.ts';
import { usageOps } from './usage.ts';

export * from './define.ts';
export * from './op-error.ts';
export * from './events.ts';
export { connectionTarget, type ConnectionTarget } from './connections.ts';
export type { JobdeckBridge } from './bridge.ts';

/**
 * The whole API, declared once. The engine implements it, the IPC and HTTP transports serve it
 * generically, the preload exposes one method per entry and the renderer's client is typed by it.
 */
export const contract = {
  ...alertOps,
  ...appOps,
  ...backfillOps,
  ...connectionOps,
  ...controlOps,
  ...cronOps,
  ...jobOps,
  ...jobSearchOps,
  ...historyOps,
  ...runnerOps,
  ...overviewOps,
  ...stuckOps,
  ...workerOps,
  ...usageOps,
};

export type Contract = typeof contract;
export type OpName = keyof Contract;
export type OpInput<N extends OpName> = z.input<Contract[N]['input']>;
export type OpParsed<N extends OpName> = z.output<Contract[N]['input']>;
export type OpOutput<N extends OpName> = Contract[N] extends { output?: infer O } ? O : never;

export const OP_NAMES = Object.keys(contract).sort() as OpName[];

export function isOpName(name: string): name is OpName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/** `connections.test` -> `['connections', 'test']`: the preload groups methods by domain. */
export function splitOpName(name: OpName): [domain: string, method: string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

/** The IPC channel of an operation. */
export const ipcChannel = (name: OpName) => `jobdeck:${name}`;
export const IPC_EVENT_CHANNEL = 'jobdeck:event';

/** The typed API as the renderer sees it, whichever transport carries it. */
export type JobdeckApi = {
  call<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>>;
  subscribe(listener: (event: import('./events.ts').JobdeckEvent) => void): () => void;
};
