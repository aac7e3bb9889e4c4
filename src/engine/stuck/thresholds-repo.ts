import type { Db } from '../store/db.ts';
import type { StuckThresholds } from '../../shared/model/stuck.ts';

/** Minutes a job may stay locked before the stuck view lists it, when nobody chose otherwise. */
export const DEFAULT_THRESHOLD_MINUTES = 15;

const DEFAULT_KEY = '*';

/** Per-connection lock thresholds, kept in SQLite (migration 004). */
export function thresholdsRepo(db: Db) {
  return {
    get(connectionId: string): StuckThresholds {
      const rows = db.prepare('select task, minutes from stuck_thresholds where connection_id = ?').all(connectionId) as {
        task: string;
        minutes: number;
      }[];
      const byTask: Record<string, number> = {};
      let defaultMinutes = DEFAULT_THRESHOLD_MINUTES;
      for (const r of rows) {
        if (r.task === DEFAULT_KEY) defaultMinutes = r.minutes;
        else byTask[r.task] = r.minutes;
      }
      return { defaultMinutes, byTask };
    },
    /** `task` null sets the default; `minutes` null removes the entry (back to the default). */
    set(connectionId: string, task: string | null, minutes: number | null): void {
      const key = task ?? DEFAULT_KEY;
      if (minutes === null) {
        db.prepare('delete from stuck_thresholds where connection_id = ? and task = ?').run(connectionId, key);
      } else {
        db.prepare(
          `insert into stuck_thresholds (connection_id, task, minutes) values (?, ?, ?)
           on conflict (connection_id, task) do update set minutes = excluded.minutes`,
        ).run(connectionId, key, minutes);
      }
    },
  };
}

/** The threshold of one task, in milliseconds. */
export function thresholdMs(t: StuckThresholds, task: string): number {
  return (t.byTask[task] ?? t.defaultMinutes) * 60_000;
}
