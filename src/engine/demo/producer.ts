import type pg from 'pg';
import { DEMO_PIPELINES, type DemoPipeline } from './schema.ts';
import { sampleItem } from './sample-content.ts';

export interface DemoProducerOptions {
  pool: pg.Pool;
  /** New items (each with its job) per second; 0 pauses. */
  ratePerSecond: number;
  /** Items without a job to leave lying around for a backfill to find (topped up to this count). Default 25. */
  seedBacklog?: number;
  /** Where errors go; default console.warn. */
  log?: (message: string) => void;
}

/** A running producer of demo items and jobs. */
export interface DemoProducer {
  setRate(n: number): void;
  rate(): number;
  /** Stops the timer and waits for the insert in progress. */
  stop(): Promise<void>;
}

const TICK_MS = 200;
// After a stall (slow DB, paused laptop) do not catch up with a burst of more than this many items.
const MAX_BURST = 20;
const ERROR_LOG_INTERVAL_MS = 30_000;

function checkRate(n: number): number {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`ratePerSecond must be a number >= 0, got ${n}`);
  return n;
}

/** Inserts one item and enqueues its job in one statement, so no item is left without its job by a crash. */
async function produceOne(pool: pg.Pool, p: DemoPipeline): Promise<void> {
  const item = sampleItem(p.task);
  await pool.query(
    `with item as (insert into ${p.sourceTable} (title, ${p.textColumn}) values ($1, $2) returning id)
     select graphile_worker.add_job($3::text, json_build_object($4::text, item.id),
              queue_name => $5::text, max_attempts => 5, job_key => $3::text || ':' || item.id)
       from item`,
    [item.title, item.text, p.task, p.payloadKey, p.queue],
  );
}

/** Items that have neither an output nor a job: what a backfill would pick up. */
async function countOrphans(pool: pg.Pool): Promise<number> {
  const parts = DEMO_PIPELINES.map(
    (p) => `select count(*)::int as n from ${p.sourceTable} s
      where not exists (select 1 from ${p.outputTable} o where o.${p.outputKey} = s.id)
        and not exists (select 1 from graphile_worker.jobs j where j.key = '${p.task}:' || s.id)`,
  );
  const { rows } = await pool.query<{ n: number }>(parts.join(' union all '));
  return rows.reduce((sum, row) => sum + row.n, 0);
}

/** Tops the backlog of job-less items up to `target`, spread over the pipelines. */
async function seedBacklog(pool: pg.Pool, target: number): Promise<void> {
  if (target <= 0) return;
  const missing = target - (await countOrphans(pool));
  for (const [index, p] of DEMO_PIPELINES.entries()) {
    const count = Math.floor(missing / DEMO_PIPELINES.length) + (index < missing % DEMO_PIPELINES.length ? 1 : 0);
    if (count <= 0) continue;
    const items = Array.from({ length: count }, () => sampleItem(p.task));
    await pool.query(`insert into ${p.sourceTable} (title, ${p.textColumn}) select * from unnest($1::text[], $2::text[])`, [
      items.map((i) => i.title),
      items.map((i) => i.text),
    ]);
  }
}

/**
 * Starts inserting demo items at `ratePerSecond`, each with its graphile-worker job (`job_key` `<task>:<id>`,
 * 5 attempts; `summarize` in the named queue `summaries`). Database errors are logged, never thrown.
 */
export function startDemoProducer(options: DemoProducerOptions): DemoProducer {
  const { pool } = options;
  const warn = options.log ?? ((message: string) => console.warn(message));
  let rate = checkRate(options.ratePerSecond);
  let credit = 0; // fractional items owed, so rates like 0.5/s work with a fixed tick
  let lastTick = performance.now();
  let nextPipeline = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastError = { message: '', at: 0 };

  // Logs each distinct error, and a repeat at most every 30 s: a dead database must not flood the log.
  const report = (what: string, error: unknown) => {
    const message = `[demo producer] ${what}: ${error instanceof Error ? error.message : String(error)}`;
    const now = Date.now();
    if (message === lastError.message && now - lastError.at < ERROR_LOG_INTERVAL_MS) return;
    lastError = { message, at: now };
    warn(message);
  };

  const tick = async () => {
    const now = performance.now();
    credit = Math.min(credit + (rate * (now - lastTick)) / 1000, MAX_BURST);
    lastTick = now;
    while (credit >= 1 && !stopped) {
      credit -= 1;
      const pipeline = DEMO_PIPELINES[nextPipeline++ % DEMO_PIPELINES.length];
      try {
        await produceOne(pool, pipeline);
      } catch (error) {
        report(`could not add a ${pipeline.task} item`, error);
        credit = 0; // drop what is owed rather than hammer a failing database
      }
    }
  };

  let current: Promise<void> = seedBacklog(pool, options.seedBacklog ?? 25).catch((error) => report('could not seed the backlog', error));
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(schedule);
    }, TICK_MS);
  };
  void current.then(() => {
    lastTick = performance.now();
    schedule();
  });

  return {
    setRate(n) {
      rate = checkRate(n);
      if (rate === 0) credit = 0;
    },
    rate: () => rate,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      clearTimeout(timer); // schedule() may have run while we waited; it saw `stopped`, but be sure
    },
  };
}
