import type { AddedBatch } from '../../shared/model/jobs.ts';
import type { OpParsed } from '../../shared/contract/index.ts';
import type { AuditLog } from '../context.ts';
import type { Session } from '../session.ts';
import { taskWorkers } from './task-workers.ts';
import { addJobs, keyAsJson } from './admin-sql.ts';
import { OpError } from '../../shared/contract/index.ts';
import { jobKeyFits, keyTemplateParts, MAX_JOB_KEY_CHARS } from '../../shared/model/job-key.ts';

/**
 * Queues one job per distinct key in ONE add_jobs call (admin-sql.ts): keys whose job key is taken are read first,
 * in the same transaction, and left alone; a key another producer takes between the read and the insert gets no
 * row back and is counted with them.
 */
export async function addBatch(session: Session, audit: AuditLog, input: OpParsed<'jobs.addBatch'>): Promise<AddedBatch> {
  const keys = [...new Set(input.keys)];
  const parts = keyTemplateParts(input.jobKey, input.task);
  const jobKeyOf = (key: string) => parts.join(key);
  // graphile-worker would refuse the whole batch for one job key over its bound: say which, and add none.
  const tooLong = keys.filter((k) => !jobKeyFits(jobKeyOf(k)));
  if (tooLong.length > 0) {
    const first = tooLong[0].length > 40 ? `${tooLong[0].slice(0, 40)}…` : tooLong[0];
    throw new OpError(
      'invalid_input',
      `${tooLong.length} job key(s) would pass graphile-worker's ${MAX_JOB_KEY_CHARS} characters (the first for key "${first}"): shorten the jobKey template or the keys`,
    );
  }
  const client = await session.pool.connect();
  let jobIds: string[] = [];
  let alreadyQueued: string[];
  try {
    await client.query('begin');
    const { rows: taken } = await client.query<{ key: string }>('select key from graphile_worker.jobs where key = any($1::text[])', [
      keys.map(jobKeyOf),
    ]);
    const takenKeys = new Set(taken.map((r) => r.key));
    const fresh = keys.filter((k) => !takenKeys.has(jobKeyOf(k)));
    if (fresh.length > 0) {
      const specs = fresh.map((key) => ({
        identifier: input.task,
        payload: { ...input.payload, [input.keyField]: keyAsJson(key, input.keyType) },
        queue_name: input.queue ?? null,
        run_at: input.runAt ?? null,
        max_attempts: input.maxAttempts ?? null,
        job_key: jobKeyOf(key),
        priority: input.priority ?? null,
      }));
      const rows = await addJobs(client, specs);
      const idByKey = new Map(rows.map((r) => [r.key, r.id]));
      jobIds = fresh.map((k) => idByKey.get(jobKeyOf(k))).filter((id): id is string => id !== undefined);
      for (const k of fresh) if (!idByKey.has(jobKeyOf(k))) takenKeys.add(jobKeyOf(k));
    }
    await client.query('commit');
    alreadyQueued = keys.filter((k) => takenKeys.has(jobKeyOf(k)));
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  const result: AddedBatch = {
    task: input.task,
    requested: keys.length,
    added: jobIds.length,
    duplicates: input.keys.length - keys.length,
    alreadyQueued,
    jobIds,
    workers: await taskWorkers(session.pool, input.task),
  };
  audit.record({
    connectionId: session.profile.id,
    action: 'jobs.addBatch',
    target: { task: input.task, keyField: input.keyField, jobKey: input.jobKey },
    requested: keys.length,
    affected: jobIds.length,
    skipped: alreadyQueued.length,
    detail: { jobIds: jobIds.slice(0, 1000), alreadyQueued: alreadyQueued.slice(0, 1000), duplicates: result.duplicates },
  });
  return result;
}
