import { z } from 'zod';
import { op } from './define.ts';
import { workName } from './names.ts';
import { runTime } from './time.ts';
import { empty } from './app.ts';
import type { RecoveryReport, RecoverySettings, StuckReport, StuckThresholds, UnlockReport } from '../model/stuck.ts';
import type { BulkActionReport } from '../model/jobs.ts';
import { actionIdSchema, jobId } from './jobs.ts';

/** A pool id as graphile-worker writes it in `locked_by` (`pool-<hex>`; older versions: `worker-<hex>`). */
export const poolIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.:-]+$/, 'not a pool id');

const taskName = workName(200);
/** How many jobs of a group the operator was shown (its count in the view): the action never acts on more. */
const atMost = z.number().int().min(0).max(1_000_000_000).optional();

/** A stuck-view group: a pool's jobs, a task's due jobs, a failed group (task + error type), or chosen ids. */
export const stuckTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pool'), poolId: poolIdSchema }).strict(),
  z.object({ kind: z.literal('due'), task: taskName, atMost }).strict(),
  z.object({ kind: z.literal('failed'), task: taskName, errorType: z.string().min(1).max(64), atMost }).strict(),
  z
    .object({
      kind: z.literal('jobs'),
      ids: z.array(jobId).min(1).max(1000),
    })
    .strict(),
]);

export const stuckOps = {
  'stuck.get': op<StuckReport>()({
    input: z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    access: 'read',
    summary:
      'Stuck items: jobs locked too long (by pool, alive or not), blocked named queues, due jobs nobody takes, permanently failed groups',
  }),
  'stuck.setThreshold': op<StuckThresholds>()({
    input: z
      .object({
        /** A task identifier, or null for the default. */
        task: z.string().min(1).max(200).nullable(),
        /** Minutes a job may stay locked before it counts as stuck; null removes a task's own threshold. */
        minutes: z.number().int().min(1).max(10_080).nullable(),
      })
      .strict(),
    access: 'local',
    audit: { verb: 'set', what: 'a stuck threshold', view: 'stuck', perConnection: true },
    summary: 'Set how long a job of a task may stay locked before it counts as stuck',
  }),
  'stuck.unlock': op<UnlockReport>()({
    input: z
      .object({
        poolIds: z.array(poolIdSchema).min(1).max(50),
        /** Also unlock pools without the companion judged probably alive; a pool known alive is refused whatever this says. */
        force: z.boolean().default(false),
      })
      .strict(),
    access: 'write',
    summary:
      "Unlock every job and named queue held by these pools (graphile-worker's force_unlock_workers); a pool known alive is refused (409), ids that hold nothing are a 404",
  }),
  'stuck.retry': op<BulkActionReport>()({
    input: z
      .object({
        target: stuckTargetSchema,
        /** Run at this time instead of now. */
        runAt: runTime.optional(),
        force: z.boolean().default(false),
        /** Leave out the jobs whose retry verdict is not transient (as jobs.retry's transientOnly), reported with why. */
        transientOnly: z.boolean().default(false),
        /** Names the action's progress events (`action.progress`); one is made when absent. */
        actionId: actionIdSchema,
      })
      .strict(),
    access: 'write',
    summary:
      'Unlock (pools that are gone) and retry a group now or at runAt: attempts reset to 0; jobs still held are skipped and reported; with transientOnly, jobs whose retry verdict is not transient are left out and reported with why',
  }),
  'stuck.cancel': op<BulkActionReport>()({
    input: z.object({ target: stuckTargetSchema, force: z.boolean().default(false), actionId: actionIdSchema }).strict(),
    access: 'write',
    summary: 'Unlock (pools that are gone) and cancel a group: jobs are removed and kept as cancelled in history',
  }),
  'recovery.run': op<RecoveryReport>()({
    input: empty,
    access: 'write',
    summary: "Unlock jobs and queues still held by this Jobdeck's earlier runner pools that are no longer alive",
  }),
  'recovery.settings': op<RecoverySettings>()({
    input: empty,
    access: 'read',
    summary: 'Automatic recovery of the active connection: whether pools known gone are unlocked without an operator',
  }),
  'recovery.configure': op<RecoverySettings>()({
    input: z.object({ autoUnlockGone: z.boolean() }).strict(),
    access: 'local',
    audit: {
      verb: 'changed',
      what: 'automatic recovery',
      view: 'stuck',
      perConnection: true,
      read: { op: 'recovery.settings', pick: 'autoUnlockGone' },
    },
    summary:
      'Turn automatic recovery on or off for the active connection: every few seconds, unlock the jobs of pools known gone (audited)',
  }),
};
