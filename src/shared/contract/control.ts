import { z } from 'zod';
import { op } from './define.ts';
import { workName } from './names.ts';
import { isoTime } from './time.ts';
import { empty } from './app.ts';
import type { Breaker, BreakerList, PauseList, PauseReport, ResumeReport } from '../model/control.ts';

const name = workName(128);

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
        until: isoTime.optional(),
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
  'control.breaker.get': op<BreakerList>()({
    input: empty,
    access: 'read',
    summary:
      "Circuit breakers of the active connection's tasks and queues: settings, state (tripped, resumes at), the last window's attempts; they work while Jobdeck runs",
  }),
  'control.breaker.set': op<Breaker>()({
    input: z
      .object({
        ...target,
        enabled: z.boolean(),
        thresholdPct: z
          .number()
          .int()
          .min(1, 'thresholdPct is a percentage, 1 to 100')
          .max(100, 'thresholdPct is a percentage, 1 to 100')
          .optional(),
        windowMinutes: z.number().int().min(1, 'windowMinutes must be at least 1').max(1440).optional(),
        minAttempts: z.number().int().min(1).max(1_000_000).optional(),
        cooldownSeconds: z.number().int().min(1).max(86_400).optional(),
      })
      .strict()
      .refine(oneTarget, oneTargetError),
    access: 'local',
    summary:
      'Turn a circuit breaker on or off for a task or queue (opt-in): it pauses it when rate-limit errors exceed thresholdPct % of at least minAttempts attempts over windowMinutes (defaults 50 %, 20, 5 min), and resumes it at the time the provider named or after cooldownSeconds',
  }),
  'control.list': op<PauseList>()({
    input: empty,
    access: 'read',
    summary: 'Paused tasks and queues of the active database, with their parked jobs and workers that do not obey them',
  }),
};
