import { z } from 'zod';
import { op } from './define.ts';
import { empty } from './app.ts';
import type { RecoveryReport, StuckReport, StuckThresholds, UnlockReport } from '../model/stuck.ts';

/** A pool id as graphile-worker writes it in `locked_by` (`pool-<hex>`; older versions: `worker-<hex>`). */
export const poolIdSchema = z.string().min(1).max(128).regex(/^[\w.:-]+$/, 'not a pool id');

export const stuckOps = {
  'stuck.get': op<StuckReport>()({
    input: z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    access: 'read',
    summary: 'Stuck items: jobs locked too long (by pool, alive or not), blocked named queues, due jobs nobody takes, permanently failed groups',
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
    summary: 'Set how long a job of a task may stay locked before it counts as stuck',
  }),
  'stuck.unlock': op<UnlockReport>()({
    input: z
      .object({
        poolIds: z.array(poolIdSchema).min(1).max(50),
        /** Also unlock pools judged probably alive (never Jobdeck's own running pool). */
        force: z.boolean().default(false),
      })
      .strict(),
    access: 'write',
    summary: "Unlock every job and named queue held by these pools (graphile-worker's force_unlock_workers)",
  }),
  'recovery.run': op<RecoveryReport>()({
    input: empty,
    access: 'write',
    summary: "Unlock jobs and queues still held by this Jobdeck's earlier runner pools that are no longer alive",
  }),
};
