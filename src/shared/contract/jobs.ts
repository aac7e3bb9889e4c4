import { z } from 'zod';
import { op } from './define.ts';
import { workName } from './names.ts';
import { inOrder, isoTime, runTime } from './time.ts';
import { empty } from './app.ts';
import {
  JOB_ACTIONS,
  type ActionPreview,
  type AddedBatch,
  type AddedJob,
  type BulkActionReport,
  type JobDetail,
  type JobFacets,
  type JobsPage,
  type MatchCount,
} from '../model/jobs.ts';
import { JOB_STATES } from '../model/job-state.ts';
import type { AuditEntry } from '../model/audit.ts';

/**
 * graphile-worker job ids are positive bigints; they travel as strings. A caller of the HTTP API may send a number
 * (`{ "id": 42 }`): one JSON can carry exactly (a safe integer) is taken as its string.
 */
const MAX_BIGINT = 9223372036854775807n;
export const jobId = z.union([
  z
    .string()
    .regex(/^[1-9]\d*$/, { message: 'a job id is a positive integer', abort: true })
    .refine((id) => id.length <= 19 && BigInt(id) <= MAX_BIGINT, 'a job id is at most 9223372036854775807 (a bigint)'),
  z
    .number()
    .refine((n) => Number.isInteger(n) && n > 0, { message: 'a job id is a positive integer', abort: true })
    .refine(Number.isSafeInteger, 'a job id above 9007199254740991 must be sent as a string: a JSON number loses its last digits')
    .transform(String),
]);
const name = workName(128);

/** A filter on jobs (see JobFilter): every field optional, every value bounded. */
export const jobFilter = z
  .object({
    states: z.array(z.enum(JOB_STATES)).max(JOB_STATES.length).optional(),
    tasks: z.array(name).max(100).optional(),
    queues: z.array(name).max(100).optional(),
    errorType: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, 'an error type is a slug like rate_limit')
      .optional(),
    search: z.string().trim().min(1).max(200).optional(),
    createdFrom: isoTime.optional(),
    createdTo: isoTime.optional(),
    runAtFrom: isoTime.optional(),
    runAtTo: isoTime.optional(),
  })
  .strict()
  .refine(...inOrder('createdFrom', 'createdTo'))
  .refine(...inOrder('runAtFrom', 'runAtTo'));

/**
 * What an action applies to: selected ids (a larger set goes by filter), or everything the filter matches.
 * `atMost`: how many jobs the operator confirmed it acts on (for a transient-only retry, the ones it keeps). On a live
 * queue the set behind a filter grows between the count the dialog showed and the click: the action refuses (409,
 * nothing changed) when more match as it starts, and acts on no more than that many; later ones are reported skipped.
 * An unlock releases whole pools (graphile-worker unlocks per pool): a pool's other jobs go with the ones counted.
 */
export const actionTarget = z.union([
  z.object({ ids: z.array(jobId).min(1).max(50_000) }).strict(),
  z.object({ filter: jobFilter, atMost: z.number().int().min(0).max(1_000_000_000).optional() }).strict(),
]);

/** Chosen by the client to match `action.progress` events to its call. */
export const actionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/)
  .optional();

/** A payload is JSON of at most 256 KiB once serialised (graphile-worker stores it as json). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
const payload = z.json().refine((value) => JSON.stringify(value).length <= MAX_PAYLOAD_BYTES, {
  message: `the payload must be at most ${MAX_PAYLOAD_BYTES / 1024} KiB of JSON`,
});

/** Release retried jobs gradually: `perMinute` jobs a minute, oldest first, from the retry's runAt (or now). */
export const releasePace = z.object({ perMinute: z.number().int().min(1).max(1_000_000) }).strict();

const action = <S extends z.ZodRawShape>(shape: S) => z.object({ target: actionTarget, actionId: actionIdSchema, ...shape }).strict();

export const jobOps = {
  'jobs.list': op<JobsPage>()({
    input: z
      .object({ filter: jobFilter.default({}), cursor: jobId.nullable().optional(), limit: z.number().int().min(1).max(500).default(100) })
      .strict(),
    access: 'read',
    summary: 'A page of jobs matching a filter, newest first (keyset pagination: pass nextCursor back)',
  }),
  'jobs.count': op<MatchCount>()({
    input: z.object({ filter: jobFilter.default({}) }).strict(),
    access: 'read',
    summary: 'How many jobs match a filter: exact up to 10,000, then a snapshot count or an estimate, marked as such',
  }),
  'jobs.get': op<JobDetail>()({
    input: z.object({ id: jobId }).strict(),
    access: 'read',
    summary: "One job in full (payload, last error, lock) with the attempts Jobdeck has seen; from Jobdeck's snapshot once gone",
  }),
  'jobs.facets': op<JobFacets>()({
    input: empty,
    access: 'read',
    summary: 'Task identifiers and queue names, for the filter pickers',
  }),
  'jobs.preview': op<ActionPreview>()({
    input: z.object({ action: z.enum(JOB_ACTIONS), target: actionTarget }).strict(),
    access: 'read',
    summary: 'How many jobs an action would touch, and how many of them a worker holds now',
  }),
  'jobs.retry': op<BulkActionReport>()({
    /** transientOnly: leave out the jobs a retry is unlikely to help (their retry verdict), reported as skipped with why. */
    input: action({ runAt: runTime.optional(), pace: releasePace.optional(), transientOnly: z.boolean().default(false) }),
    access: 'write',
    summary:
      'Retry now or at runAt: attempts reset to 0 (reschedule_jobs); with pace, released at perMinute jobs a minute from runAt (run_at spread); with transientOnly, jobs whose retry verdict is not transient are left out; locked jobs and left-out ones are skipped and reported with why',
  }),
  'jobs.cancel': op<BulkActionReport>()({
    /**
     * keepFailed: the operator asked to stop a job they saw running. Should it fail for good before the cancel arrives,
     * there is nothing left to stop: it is skipped with why (to retry or look into), not removed.
     */
    input: action({ keepFailed: z.boolean().default(false) }),
    access: 'write',
    summary:
      "Cancel: idle jobs are removed (complete_jobs) and kept as cancelled in Jobdeck's history; running jobs of the hosted runner are aborted, those of workers with the companion are asked to stop (jobdeck.cancel_requests + NOTIFY, up to 10 s for the answer); jobs of other processes are refused; with keepFailed, permanently failed jobs are skipped instead of removed",
  }),
  'jobs.fail': op<BulkActionReport>()({
    input: action({ message: z.string().trim().min(1).max(1000).optional() }),
    access: 'write',
    summary: 'Mark permanently failed (permanently_fail_jobs); locked jobs are skipped and reported',
  }),
  'jobs.setPriority': op<BulkActionReport>()({
    input: action({ priority: z.number().int().min(-32768).max(32767) }),
    access: 'write',
    summary: 'Change priority (lower runs first; reschedule_jobs); locked jobs are skipped and reported',
  }),
  'jobs.unlock': op<BulkActionReport>()({
    /** force: also unlock pools without the companion that took a lock recently (their liveness is unknown). */
    input: action({ force: z.boolean().default(false) }),
    access: 'write',
    summary:
      "Release jobs held by pools that are gone (force_unlock_workers of their pools); a pool known alive is refused (409), this console's live pool is skipped",
  }),
  'jobs.add': op<AddedJob>()({
    input: z
      .object({
        task: name,
        payload: payload.default({}),
        queue: name.optional(),
        priority: z.number().int().min(-32768).max(32767).optional(),
        runAt: runTime.optional(),
        maxAttempts: z.number().int().min(1).max(32767).optional(),
        jobKey: z.string().min(1).max(512).optional(),
        jobKeyMode: z.enum(['replace', 'preserve_run_at', 'unsafe_dedupe']).optional(),
      })
      .strict()
      .refine((input) => !input.jobKeyMode || input.jobKey, { message: 'jobKeyMode needs a jobKey', path: ['jobKeyMode'] }),
    access: 'write',
    summary: 'Queue one job (graphile_worker.add_job): task, JSON payload, queue, priority, run at, attempts, job key and its mode',
  }),
  'jobs.addBatch': op<AddedBatch>()({
    input: z
      .object({
        task: name,
        /** Every job's payload: this object with `keyField` set to the item's key. */
        payload: z.record(z.string(), z.json()).default({}),
        keyField: name.default('id'),
        keys: z.array(z.string().min(1).max(256)).min(1).max(10_000),
        /** Each job's key: `{key}` (required) and `{task}` are filled in; a key already queued is left as it is. */
        jobKey: z
          .string()
          .min(1)
          .max(256)
          .refine((t) => t.includes('{key}'), 'the job key template must contain {key}, so each item gets its own')
          .default('{task}:{key}'),
        queue: name.optional(),
        priority: z.number().int().min(-32768).max(32767).optional(),
        runAt: runTime.optional(),
        maxAttempts: z.number().int().min(1).max(32767).optional(),
        /** Integer-looking keys go in the payload as JSON numbers (`auto`), or always as strings. */
        keyType: z.enum(['auto', 'string']).default('auto'),
      })
      .strict()
      .refine((input) => JSON.stringify(input.payload).length <= MAX_PAYLOAD_BYTES, {
        message: `the payload template is larger than ${MAX_PAYLOAD_BYTES} bytes`,
        path: ['payload'],
      }),
    access: 'write',
    summary:
      'Queue one job per key in one add_jobs call: a payload template with the key set in one field, deduplicated by job key (keys given twice once, keys already queued left alone)',
  }),
  'audit.list': op<AuditEntry[]>()({
    input: z
      .object({
        limit: z.number().int().min(1).max(500).default(100),
        before: z.number().int().positive().optional(),
        allConnections: z.boolean().default(false),
      })
      .strict(),
    access: 'read',
    summary:
      'The audit log (actions on jobs, and settings changes), newest first (keyset: pass the last id as before); the active connection unless allConnections',
  }),
};
