import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/engine/pg/embedded.ts';
import * as Q from '../src/engine/stuck/queries.ts';
import { timeMedian } from './lib.ts';
const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-')); rmSync(dir, { recursive: true, force: true });
const server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg') });
const pool = new pg.Pool({ connectionString: server.connectionString, max: 6 });
await runMigrations({ connectionString: server.connectionString, logger: new Logger(() => () => {}) });
const mod = null;
console.log(process.env.PGURL = server.connectionString);
// reuse the seed by calling the default? it creates its own server; instead copy seed via eval:
const src = (await import('node:fs')).readFileSync('/work/main/bench/stuck.bench.ts', 'utf8');
const seedSql = [...src.matchAll(/await pool\.query\(`([\s\S]*?)`\);/g)].map((m) => m[1].replaceAll('${JOBS}', '1000000'));
for (const s of seedSql.slice(0, 3)) await pool.query(s);
for (const [name, fn] of Object.entries({ locksByPool: () => Q.locksByPool(pool), lockedJobs: () => Q.lockedJobs(pool, 5000), lockedQueues: () => Q.lockedQueues(pool), dueByTask: () => Q.dueByTask(pool), failedHeads: () => Q.failedHeads(pool) })) {
  console.log(name, (await timeMedian(fn, 3)).toFixed(0));
}
await pool.end(); await server.stop(); rmSync(dir, { recursive: true, force: true });
void mod;
