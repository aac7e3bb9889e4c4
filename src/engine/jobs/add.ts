import type { AddedJob } from '../../shared/model/jobs.ts';
import type { OpParsed } from '../../shared/contract/index.ts';
import type { AuditLog } from '../context.ts';
import type { Session } from '../session.ts';
import { taskWorkers } from './task-workers.ts';

interface AddedRow {
  id: string;
  task_identifier: string;
  queue_name: string | null;
  run_at: Date;
  priority: number;
  max_attempts: number;
  key: string | null;
  key_existed: boolean;
}

/**
 * Queues one job through graphile-worker's own `add_job` (its public API: it validates, applies the job key mode
 * and notifies the workers). Whether a job already held the key is read in the same transaction, so the answer
 * can say that the job was updated rather than added.
 */
export async function addJob(session: Session, audit: AuditLog, input: OpParsed<'jobs.add'>): Promise<AddedJob> {
  const client = await session.pool.connect();
  let row: AddedRow;
  try {
    await client.query('begin');
    const existed = input.jobKey
      ? (await client.query('select 1 from graphile_worker.jobs where key = $1', [input.jobKey])).rowCount !== 0
      : false;
    const added = await client.query<{ id: string }>(
      `select id::text from graphile_worker.add_job($1, $2::json, queue_name => $3, run_at => $4::timestamptz,
         max_attempts => $5, job_key => $6, priority => $7, job_key_mode => $8)`,
      [
        input.task,
        JSON.stringify(input.payload),
        input.queue ?? null,
        input.runAt ?? null,
        input.maxAttempts ?? null,
        input.jobKey ?? null,
        input.priority ?? null,
        input.jobKeyMode ?? null,
      ],
    );
    // add_job answers a row of its private table; the public view names the task and queue (read in a statement
    // of its own: one statement does not see what a function in it inserted).
    const { rows } = await client.query<Omit<AddedRow, 'key_existed'>>(
      `select id::text, task_identifier, queue_name, run_at, priority, max_attempts, key from graphile_worker.jobs where id = $1`,
      [added.rows[0].id],
    );
    await client.query('commit');
    row = { ...rows[0], key_existed: existed };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  const added: AddedJob = {
    jobId: row.id,
    task: row.task_identifier,
    queue: row.queue_name,
    runAt: row.run_at.toISOString(),
    priority: row.priority,
    maxAttempts: row.max_attempts,
    jobKey: row.key,
    keyExisted: row.key_existed,
    workers: await taskWorkers(session.pool, row.task_identifier),
  };
  audit.record({
    connectionId: session.profile.id,
    action: 'jobs.add',
    target: { task: added.task, jobId: added.jobId, ...(added.jobKey ? { jobKey: added.jobKey } : {}) },
    requested: 1,
    affected: 1,
    skipped: 0,
  });
  return added;
}
