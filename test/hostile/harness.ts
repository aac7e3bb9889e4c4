import { createHash } from 'node:crypto';
import { request } from 'node:http';
import path from 'node:path';
import type { TestPostgres } from '../helpers/postgres.ts';
import type { TestEngine } from '../helpers/engine.ts';
import type { WebServer } from '../../src/server/web-server.ts';

export const STATIC_DIR = path.resolve(import.meta.dirname, '../../out/renderer');

/** Jobdeck's own tables whose rows only an operation changes (the rest follow the database on their own). */
const STABLE_SQLITE_TABLES = [
  'audit_log',
  'backfill_rules',
  'backfill_runs',
  'connections',
  'recovery_settings',
  'settings',
  'stuck_thresholds',
];

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request as a hostile client sends it: any path, any Host, any body, no client-side checks. */
export function raw(
  server: WebServer,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'POST',
        path: options.path,
        headers: { host: `127.0.0.1:${server.port}`, authorization: `Bearer ${server.token}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // The server may answer and close before an oversized body is sent: that is its right.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(options.body);
  });
}

/** POST /api/<op> with a JSON body (or a raw string sent as is). */
export const callOp = (server: WebServer, op: string, body: unknown, raw_ = false) =>
  raw(server, { path: `/api/${op}`, headers: { 'content-type': 'application/json' }, body: raw_ ? String(body) : JSON.stringify(body) });

/**
 * A fingerprint of everything an operation could change: graphile-worker's jobs, the user's own table, and
 * Jobdeck's SQLite tables that only operations write.
 */
export async function fingerprint(db: TestPostgres, te: TestEngine): Promise<string> {
  const hash = createHash('sha256');
  // Every column of every job (payload included, which the public view leaves out in 0.17).
  const { rows: jobs } = await db.pool.query('select * from graphile_worker._private_jobs order by id');
  hash.update(JSON.stringify(jobs));
  const { rows: notes } = await db.pool.query('select * from public.customer_notes order by id');
  hash.update(JSON.stringify(notes));
  for (const table of STABLE_SQLITE_TABLES) {
    hash.update(table);
    // Some are WITHOUT ROWID: order the rows here rather than by a rowid.
    const rows = te.engine.parts.db
      .prepare(`select * from ${table}`)
      .all()
      .map((r) => JSON.stringify(r))
      // The watcher's clock: when it last scanned, written as it goes.
      .filter((r) => !r.includes('"history.lastScanAt:'));
    hash.update(JSON.stringify(rows.sort()));
  }
  return hash.digest('hex');
}
