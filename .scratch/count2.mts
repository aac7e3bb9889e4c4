import pg from 'pg';
const pool = new pg.Pool({ connectionString: process.argv[2], max: 4 });
const c = await pool.connect();
for (let i = 0; i < 3; i++) {
  let t = performance.now();
  await c.query(`begin; set local statement_timeout = 12; set local max_parallel_workers_per_gather = 0`);
  const a = performance.now() - t; t = performance.now();
  try { await c.query(`select count(*)::int as n from (select 1 from graphile_worker._private_jobs j where j.locked_at is not null limit 10001) s`); } catch (e: any) { console.log(e.code); }
  const b = performance.now() - t; t = performance.now();
  await c.query('rollback');
  const d = performance.now() - t; t = performance.now();
  await c.query(`explain (format json) select 1 from graphile_worker._private_jobs j where j.locked_at is not null`);
  console.log('begin', a.toFixed(1), 'count', b.toFixed(1), 'rollback', d.toFixed(1), 'explain', (performance.now() - t).toFixed(1));
}
console.log((await c.query(`explain select count(*)::int as n from (select 1 from graphile_worker._private_jobs j where j.locked_at is not null limit 10001) s`)).rows);
c.release(); await pool.end();
