import { z } from 'zod';
import { op } from './define.ts';
import { empty } from './app.ts';
import type { RunnerStatus, DemoStatus } from '../model/status.ts';

const concurrency = z.number().int().min(1).max(64);

export const runnerOps = {
  'runner.start': op<RunnerStatus>()({
    input: z.object({ concurrency: concurrency.optional() }).strict(),
    access: 'local',
    summary: 'Start the hosted graphile-worker runner with the current task source',
  }),
  'runner.stop': op<RunnerStatus>()({
    input: empty,
    access: 'local',
    summary: 'Stop taking jobs, wait a bounded time for running ones, then abort them (they are retried)',
  }),
  'runner.configure': op<RunnerStatus>()({
    input: z.object({ concurrency }).strict(),
    access: 'local',
    audit: {
      verb: 'changed',
      what: "the hosted runner's concurrency",
      view: 'workers',
      read: { op: 'app.status', pick: 'runner.concurrency' },
    },
    summary: 'Change concurrency (restarts the runner gracefully when it is running)',
  }),
  'runner.chooseTaskDirectory': op<RunnerStatus>()({
    input: z.object({ useDemo: z.boolean().default(false) }).strict(),
    access: 'local',
    summary:
      "Pick a task directory (graphile-worker's taskDirectory convention) with the desktop's folder dialog, or go back to the demo tasks",
  }),
  'demo.update': op<DemoStatus>()({
    input: z
      .object({
        ratePerSecond: z.number().min(0).max(200).optional(),
        mix: z
          .object({
            quota: z.number().min(0).max(1),
            timeout: z.number().min(0).max(1),
            invalidJson: z.number().min(0).max(1),
            missingFields: z.number().min(0).max(1),
            serverError: z.number().min(0).max(1),
          })
          .partial()
          .strict()
          .optional(),
      })
      .strict(),
    access: 'local',
    summary: 'Change the demo job rate and the simulated provider failure mix',
  }),
};
