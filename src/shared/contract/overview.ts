import { z } from 'zod';
import { op } from './define.ts';
import { empty } from './app.ts';
import type { DepthSample, OverviewSnapshot } from '../model/overview.ts';

export const overviewOps = {
  'overview.get': op<OverviewSnapshot | null>()({
    input: empty,
    access: 'read',
    summary: 'Latest counts by state, in total, per task and per named queue',
  }),
  'overview.depth': op<DepthSample[]>()({
    input: z.object({ minutes: z.number().int().min(1).max(43_200).default(60) }).strict(),
    access: 'read',
    summary: 'Queue depth over time, from samples kept in SQLite',
  }),
};
