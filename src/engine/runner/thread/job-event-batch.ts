import type { FromThread, JobEventKind } from './protocol.ts';

export type JobEvents = Extract<FromThread, { type: 'jobs' }>['events'];

/**
 * The job events the runner's thread has not sent to the console yet. A job that starts and ends between two sends
 * is left out altogether: the console would list it as running and take it off in the same instant (quick jobs are
 * nearly all of them: each an object, a copy and two events less for both threads).
 */
export class JobEventBatch {
  /** Jobs started since the last send: id -> task. */
  private readonly starts = new Map<string, string>();
  /** Ends of jobs whose start was sent before. */
  private ends: JobEvents = [];

  add(kind: JobEventKind, id: string, task: string): void {
    if (kind === 'start') this.starts.set(id, task);
    else if (!this.starts.delete(id)) this.ends.push({ kind, job: { id, task } });
  }

  /** The events to send now, and an empty batch. Ends first: a start here may be the next attempt of a job ended here. */
  take(): JobEvents {
    const events = this.ends;
    for (const [id, task] of this.starts) events.push({ kind: 'start', job: { id, task } });
    this.ends = [];
    this.starts.clear();
    return events;
  }
}
