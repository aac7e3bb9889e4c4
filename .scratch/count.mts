import pg from 'pg';
import { countJobs } from '/work/wt/sync/src/engine/jobs/list-query.ts';
const pool = new pg.Pool({ connectionString: process.argv[2], max: 4 });
const filters: any[] = [
  { tasks: ['enrich_record'], states: ['retrying'] },
  { states: ['running'] },
  { states: ['failed'] },
  { tasks: ['summarize'] },
  { search: 'quota' },
  { errorType: 'rate_limit' },
  {},
];
for (const f of filters) {
  const times: number[] = []; let r: any;
  for (let i = 0; i < 5; i++) { const t = performance.now(); r = await countJobs(pool, f, null); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify(f).padEnd(50), times[2].toFixed(1), 'ms', r.basis, r.value);
}
await pool.end();
