import type pg from 'pg';

/** The demo's own schema; it never creates or alters anything in `graphile_worker`. */
export const DEMO_SCHEMA = 'jobdeck_demo';

/** The task identifiers of the demo pipeline. */
export type DemoTaskName = 'generate_insight' | 'enrich_record' | 'summarize';

/**
 * One step of the pipeline: items of `sourceTable` get an LLM output row in `outputTable` through `task`.
 * Shared by the producer, the tasks and anything that looks for items without output (backfill).
 */
export interface DemoPipeline {
  task: DemoTaskName;
  /** Payload property holding the item id, e.g. `{ eventId: 42 }`. */
  payloadKey: 'eventId' | 'postingId' | 'documentId';
  /** Schema-qualified. Has `id`, `title` and `textColumn`. */
  sourceTable: string;
  textColumn: 'body' | 'description';
  /** Schema-qualified. Has `outputKey` (pk, references the item), `outputColumn` (jsonb), `model`, `created_at`. */
  outputTable: string;
  outputKey: string;
  outputColumn: string;
  /** graphile-worker named queue (jobs run one at a time), or null for the shared pool. */
  queue: string | null;
}

export const DEMO_PIPELINES: readonly DemoPipeline[] = Object.freeze([
  {
    task: 'generate_insight',
    payloadKey: 'eventId',
    sourceTable: `${DEMO_SCHEMA}.news_events`,
    textColumn: 'body',
    outputTable: `${DEMO_SCHEMA}.event_insights`,
    outputKey: 'event_id',
    outputColumn: 'insight',
    queue: null,
  },
  {
    task: 'enrich_record',
    payloadKey: 'postingId',
    sourceTable: `${DEMO_SCHEMA}.job_postings`,
    textColumn: 'description',
    outputTable: `${DEMO_SCHEMA}.posting_enrichments`,
    outputKey: 'posting_id',
    outputColumn: 'enrichment',
    queue: null,
  },
  {
    task: 'summarize',
    payloadKey: 'documentId',
    sourceTable: `${DEMO_SCHEMA}.documents`,
    textColumn: 'body',
    outputTable: `${DEMO_SCHEMA}.document_summaries`,
    outputKey: 'document_id',
    outputColumn: 'summary',
    queue: 'summaries',
  },
]);

/** The pipeline step of a task identifier. */
export function demoPipeline(task: DemoTaskName): DemoPipeline {
  const pipeline = DEMO_PIPELINES.find((p) => p.task === task);
  if (!pipeline) throw new Error(`Unknown demo task ${task}`);
  return pipeline;
}

function tablesSql(p: DemoPipeline): string {
  return `
    create table if not exists ${p.sourceTable} (
      id bigserial primary key,
      title text not null,
      ${p.textColumn} text not null,
      created_at timestamptz not null default now()
    );
    create table if not exists ${p.outputTable} (
      ${p.outputKey} bigint primary key references ${p.sourceTable} (id) on delete cascade,
      ${p.outputColumn} jsonb not null,
      model text not null,
      created_at timestamptz not null default now()
    );`;
}

/**
 * Creates the demo schema and tables if they do not exist. Safe to call concurrently and repeatedly:
 * concurrent `create ... if not exists` can still collide in the catalog, so installs are serialised by a lock.
 */
export async function installDemoSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(`select pg_advisory_xact_lock(hashtext($1))`, [DEMO_SCHEMA]);
    await client.query(`create schema if not exists ${DEMO_SCHEMA}; ${DEMO_PIPELINES.map(tablesSql).join('\n')}`);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
