/**
 * The database stops while a part of the console holds a connection between two statements (a transaction, a
 * LISTEN): the server's "terminating connection" arrives on that client, not on a query. pg emits it as an 'error'
 * event on the client; with no listener the console crashed (an uncaught exception, seen in CI when the database
 * stopped under `npm run serve`). It must go offline and come back instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres } from '../helpers/postgres.ts';
import { startTestEngine, waitFor } from '../helpers/engine.ts';
import { startEmbeddedPostgres } from '../../src/engine/pg/embedded.ts';
import path from 'node:path';
import { rmSync } from 'node:fs';

test('a connection held between statements when the database stops crashes nothing; the console goes offline and back', async () => {
  const db = await startTestPostgres({ ownCluster: true });
  const te = await startTestEngine({ databaseUrl: db.connectionString });
  let server = db.server;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    const session = te.engine.parts.sessions.current()!;
    // As a domain holds one inside a transaction, between two of its statements.
    const held = await session.pool.connect();
    await held.query('begin');
    await db.pool.end();
    await server.stop();
    await waitFor('the offline state', async () => (await te.call('app.status')).connection.state === 'offline', 20_000);
    // The held client's next statement fails like any other; handing it back leaves the pool usable.
    await assert.rejects(held.query('select 1'));
    held.release(true);

    server = await startEmbeddedPostgres({ dir: path.join(db.tmpDir, 'pg'), port: server.port });
    await waitFor('the online state', async () => (await te.call('app.status')).connection.state === 'online', 45_000);
    assert.deepEqual(uncaught, [], 'no uncaught error');
  } finally {
    process.off('uncaughtException', onUncaught);
    await te.close();
    await server.stop().catch(() => {});
    rmSync(db.tmpDir, { recursive: true, force: true });
  }
});
