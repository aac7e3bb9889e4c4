import { z } from 'zod';
import { op } from './define.ts';
import { empty } from './app.ts';
import type { PauseList, PauseReport, ResumeReport } from '../model/control.ts';

const name = z.string().min(1).max(128);

/** A task or a named queue: exactly one of them. */
const target = {
  task: name.optional(),
  queue: name.optional(),
};
const oneTarget = (input: { task?: string; queue?: string }) => (input.task === undefined) !== (input.queue === undefined);
const oneTargetError = { message: 'give either a task or a queue', path: ['task'] };

export const controlOps = {
  'control.pause': op<PauseReport>()({
    input: z
      .object({
        ...target,
        /** Resume by itself at this time (must be in the future). */
        until: z.iso.datetime({ offset: true }).optional(),
        reason: z.string().trim().min(1).max(500).optional(),
      })
      .strict()
      .refine(oneTarget, oneTargetError),
    access: 'write',
    summary:
      'Pause a task or a named queue (optionally until a time): workers with the companion take none of its jobs from the next second; its waiting jobs are parked (reschedule_jobs, run_at kept); kept in jobdeck.pauses',
  }),
  'control.resume': op<ResumeReport>()({
    input: z.object(target).strict().refine(oneTarget, oneTargetError),
    access: 'write',
    summary: 'Resume a paused task or queue: parked jobs go back to the run_at they had, in their order',
  }),
  'control.list': op<PauseList>()({
    input: empty,
    access: 'read',
    summary: 'Paused tasks and queues of the active database, with their parked jobs and workers that do not obey them',
  }),
};
