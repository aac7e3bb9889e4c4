import type { JobState } from './job-state.ts';
import type { JobOutcome } from './jobs.ts';

/** How a search found a job: its exact id, its exact job key, or text in its payload. */
export type JobMatchKind = 'id' | 'key' | 'payload';

/** One job a search found: enough to recognise it in a list and open it (`#/jobs/<id>`). */
export interface JobMatch {
  id: string;
  task: string;
  queue: string | null;
  /** Its state in graphile-worker's table; null once it has left the database (see `outcome`). */
  state: JobState | null;
  /** Gone from the database: how it ended by Jobdeck's history (null when the history does not know). */
  outcome: JobOutcome | null;
  gone: boolean;
  matchedBy: JobMatchKind;
  key: string | null;
  /** For a payload match: the payload around the text found (bounded). */
  snippet: string | null;
  createdAt: string | null;
}

/** What `jobs.find` answers. */
export interface JobSearch {
  query: string;
  matches: JobMatch[];
  /** More jobs matched than `matches` holds (the answer is capped at the asked limit). */
  more: boolean;
  /**
   * Payload text is searched in the newest `payloadScanned` jobs only (the payload has no index; a scan of every
   * job at millions of rows is refused): `payloadCapped` says older jobs were not searched.
   */
  payloadScanned: number;
  payloadCapped: boolean;
}
