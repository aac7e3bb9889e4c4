/** Probabilities (0..1) of each failure the simulated LLM provider produces; the rest succeed. */
export interface FailureMixSettings {
  quota: number;
  timeout: number;
  invalidJson: number;
  missingFields: number;
  serverError: number;
}

/** A backfill rule for one of the demo's pipelines, as the Backfill view offers to add it (the rest: defaults). */
export interface DemoBackfillRule {
  name: string;
  query: string;
  task: string;
  payloadKey: string;
  queue: string | null;
}

const orphans = (source: string, output: string, key: string) =>
  `select s.id from jobdeck_demo.${source} s\nwhere not exists (select 1 from jobdeck_demo.${output} o where o.${key} = s.id)\norder by s.id`;

/**
 * The demo keeps a backlog of items that never got a job (the README's "for backfill to find"): these rules find
 * them, one per pipeline, with the job keys its producer uses (`<task>:<id>`), so items already queued are known.
 * Kept in step with the engine's DEMO_PIPELINES by test/unit/demo-backfill-rules.test.ts.
 */
export const DEMO_BACKFILL_RULES: DemoBackfillRule[] = [
  {
    name: 'News events without an insight',
    query: orphans('news_events', 'event_insights', 'event_id'),
    task: 'generate_insight',
    payloadKey: 'eventId',
    queue: null,
  },
  {
    name: 'Job postings not enriched',
    query: orphans('job_postings', 'posting_enrichments', 'posting_id'),
    task: 'enrich_record',
    payloadKey: 'postingId',
    queue: null,
  },
  {
    name: 'Documents without a summary',
    query: orphans('documents', 'document_summaries', 'document_id'),
    task: 'summarize',
    payloadKey: 'documentId',
    queue: 'summaries',
  },
];

/** The demo's rules as a document of rules (`backfill.import`'s input), as the Backfill view adds them. */
export const DEMO_BACKFILL_DOCUMENT = { format: 'jobdeck.backfill-rules', version: 1, rules: DEMO_BACKFILL_RULES } as const;
