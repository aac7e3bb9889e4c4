import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_SQL, readPage } from '../../src/engine/history/companion-rows.ts';
import { printSchemaSql } from '../../src/worker/index.ts';
import { startTestPostgres } from '../helpers/postgres.ts';

// The reader's page of companion attempts: rows above the cursor and in its gaps, merged in id order, read by index
// ranges only. The page used to join its ids back to the table, and the planner hashed that join over a seq scan of
// every attempt the companion kept, for every page: a cost that grew with retention, not with the page.

/** About ten pages: where the planner hashed the old join over a seq scan. */
const ROWS = 10_000;
const LIMIT = 1_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

test('a page of attempts is read by index ranges (above the cursor and in its gaps), in id order', async (t) => {
  const db = await startTestPostgres({ migrate: false });
  t.after(() => db.close());
  await db.pool.query(printSchemaSql({ grants: false }));
  await db.pool.query(
    `insert into jobdeck.attempts (job_id, task, attempt, max_attempts, started_at, finished_at, duration_ms, outcome, pool_id)
     select i, 'noop', 1, 25, now(), now(), 1, 'success', 'pool-a' from generate_series(1, $1) i`,
    [ROWS],
  );
  await db.pool.query('analyze jobdeck.attempts');
  const { rows: ids } = await db.pool.query<{ first: string }>('select min(id)::text as first from jobdeck.attempts');
  const first = BigInt(ids[0].first);
  // A gap of 101 ids near the start (rows committed late), and the cursor near the end.
  const unread = { above: first + 8_000n, gaps: [{ first: first + 100n, last: first + 200n }] };

  const page = await readPage(db.pool, unread, LIMIT);
  const expected = [
    ...Array.from({ length: 101 }, (_, i) => first + 100n + BigInt(i)),
    ...Array.from({ length: 899 }, (_, i) => first + 8_001n + BigInt(i)),
  ];
  assert.deepEqual(page.ids, expected, 'the gap first, then the rows above the cursor, up to the limit');
  assert.equal(page.attempts.length, LIMIT);
  assert.deepEqual(page.rejected, []);
  assert.deepEqual(
    [page.attempts[0].jobId, page.attempts[101].jobId],
    [101, 8_002],
    'each row is the attempt of its id (job ids follow the ids here)',
  );

  const { rows } = await db.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (format json) ${PAGE_SQL}`, [
    unread.above.toString(),
    unread.gaps.map((g) => g.first.toString()),
    unread.gaps.map((g) => g.last.toString()),
    LIMIT,
  ]);
  const scans = nodes(rows[0]['QUERY PLAN'][0].Plan).filter((n) => n['Relation Name'] === 'attempts');
  assert.deepEqual(
    scans.map((n) => n['Node Type']),
    ['Index Scan', 'Index Scan'],
    'two index ranges (above the cursor, in the gaps), each row read once: no second lookup, no scan of the whole table',
  );
});
