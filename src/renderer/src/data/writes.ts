import type { QueryClient } from '@tanstack/react-query';
import { contract, type OpName } from '../../../shared/contract/index.ts';
import type { DemoStatus, EngineStatus, RunnerStatus } from '../../../shared/model/status.ts';
import { STATUS_KEY } from './op-key.ts';

/** What acting on jobs can change: lists, counts, one job, the stuck report, the audit log. */
const JOB_READS = ['jobs.list', 'jobs.count', 'jobs.get', 'jobs.find', 'jobs.facets', 'stuck.get', 'workers.list', 'audit.list'] as const;
const BACKFILL_READS = ['backfill.list', 'backfill.runs', 'audit.list'] as const;
const HISTORY_READS = ['history.status', 'history.summary', 'history.list'] as const;

/**
 * Which reads each write makes stale (by operation: every input of it). The one table the mutations follow;
 * what the engine announces by itself (status, counts, backfill runs, recoveries) is in engine-events.tsx.
 */
export const STALE_AFTER: { [N in OpName]?: readonly OpName[] } = {
  'jobs.retry': JOB_READS,
  'jobs.cancel': JOB_READS,
  'jobs.fail': JOB_READS,
  'jobs.setPriority': JOB_READS,
  'jobs.unlock': JOB_READS,
  'jobs.add': JOB_READS,
  'jobs.addBatch': JOB_READS,
  'stuck.retry': JOB_READS,
  'stuck.cancel': JOB_READS,
  'stuck.unlock': JOB_READS,
  'recovery.run': JOB_READS,
  'alerts.rules.set': ['alerts.rules.get', 'alerts.list'],
  'alerts.test': ['alerts.list'],
  'control.pause': ['control.list', ...JOB_READS],
  'control.resume': ['control.list', ...JOB_READS],
  'control.breaker.set': ['control.breaker.get', 'audit.list'],
  'stuck.setThreshold': ['stuck.get'],
  'recovery.configure': ['recovery.settings'],
  'backfill.save': BACKFILL_READS,
  'backfill.remove': BACKFILL_READS,
  'backfill.import': BACKFILL_READS,
  // A preview of a saved rule is logged in its run history.
  'backfill.preview': BACKFILL_READS,
  'backfill.run': [...BACKFILL_READS, ...JOB_READS],
  'connections.save': ['connections.list'],
  'connections.remove': ['connections.list'],
  'connections.activate': ['connections.list'],
  // Error types are computed by the rules: the history and the jobs' error columns change with them.
  'history.rules.set': ['history.rules.get', ...HISTORY_READS, 'jobs.list', 'jobs.get'],
  'history.retention.set': HISTORY_READS,
  'schema.install': ['app.status'],
  // Costs are priced from the table when read.
  'usage.prices.set': ['usage.prices.get', 'usage.summary', 'usage.estimate', 'jobs.get'],
  'usage.prices.restoreDefaults': ['usage.prices.get', 'usage.summary', 'usage.estimate', 'jobs.get'],
};

/** Writes that answer with a part of the engine's status: it is patched at once rather than read again. */
function patchStatus(client: QueryClient, name: OpName, output: unknown): void {
  const patch = (change: (status: EngineStatus) => EngineStatus) =>
    client.setQueryData<EngineStatus>(STATUS_KEY, (status) => status && change(status));
  if (name === 'connections.activate') client.setQueryData<EngineStatus>(STATUS_KEY, output as EngineStatus);
  else if (name.startsWith('runner.')) patch((status) => ({ ...status, runner: output as RunnerStatus }));
  else if (name === 'demo.update') patch((status) => ({ ...status, demo: output as DemoStatus }));
}

/** After a write succeeded: patch what it answered, and read again what it made stale (resolves when read). */
export async function afterWrite(client: QueryClient, name: OpName, output: unknown): Promise<void> {
  patchStatus(client, name, output);
  // A settings change the contract says is audited adds an entry to the audit log.
  const stale = contract[name].audit ? [...(STALE_AFTER[name] ?? []), 'audit.list'] : (STALE_AFTER[name] ?? []);
  await Promise.all(stale.map((read) => client.invalidateQueries({ queryKey: [read] })));
}
