import { op } from './define.ts';
import { empty } from './app.ts';
import type { CronList } from '../model/cron.ts';

export const cronOps = {
  'cron.list': op<CronList>()({
    input: empty,
    access: 'read',
    summary:
      "Crontab entries: graphile-worker's known crontabs (first seen, last run) with the hosted runner's lines and the backfill schedules (task, schedule, next run)",
  }),
};
