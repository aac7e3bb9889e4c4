import { op } from './define.ts';
import { empty } from './app.ts';
import type { WorkersList } from '../model/workers.ts';

export const workerOps = {
  'workers.list': op<WorkersList>()({
    input: empty,
    access: 'read',
    summary:
      "Every worker process: this console's runner, each pool reporting through the companion (host, pid, version, concurrency, tasks, heartbeat, liveness) and pools seen only in locks, with the jobs each runs now",
  }),
};
