import { z } from 'zod';
import { op } from './define.ts';
import type { JobSearch } from '../model/job-search.ts';

/** Payload text is searched in this many of the newest jobs at most (see JobSearch.payloadCapped). */
export const PAYLOAD_SCAN_LIMIT = 100_000;

export const jobSearchOps = {
  'jobs.find': op<JobSearch>()({
    input: z
      .object({
        query: z
          .string()
          .trim()
          .min(1, 'type a job id, a job key or text of a payload')
          .max(200, 'a search is at most 200 characters')
          .refine((q) => ![...q].some((c) => c.charCodeAt(0) < 32), 'a search cannot contain control characters'),
        limit: z.number().int().min(1).max(50).default(20),
      })
      .strict(),
    access: 'read',
    summary:
      "Find jobs by exact id or job key (live, or gone and known from Jobdeck's history and the companion's attempts) or by payload text (the newest 100,000 jobs, said when capped)",
  }),
};
