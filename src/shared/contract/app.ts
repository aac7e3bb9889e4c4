import { z } from 'zod';
import { op } from './define.ts';
import type { EngineStatus } from '../model/status.ts';

export const empty = z.object({}).strict();

export const appOps = {
  'app.status': op<EngineStatus>()({
    input: empty,
    access: 'read',
    summary: 'Connection, schema, runner and demo state',
  }),
};
