import type { OverviewSnapshot } from '../model/overview.ts';
import type { EngineStatus } from '../model/status.ts';

/** Pushed to every window: over IPC in Electron, over server-sent events in a browser. */
export type JobdeckEvent =
  | { type: 'status'; status: EngineStatus }
  | { type: 'overview'; snapshot: OverviewSnapshot };

export type JobdeckEventType = JobdeckEvent['type'];
