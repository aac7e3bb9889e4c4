import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Logger } from 'graphile-worker';
import { RunnerHost } from '../../src/engine/runner/host.ts';
import { RunnerThread } from '../../src/engine/runner/thread/runner-thread.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';

// graphile-worker ends a pool it made itself without waiting, after removing its error listener: a server that
// closed the runner's connections in that moment (the embedded Postgres stopping as the console quits) crashed
// the process with an unhandled 'error' in about half of the stops (5 of 10, measured with run() itself).

let db: TestPostgres;
before(async () => {
  // This file's own pool loses its connections too: testPool's listener keeps that from being what fails.
  db = await startTestPostgres();
});
after(async () => {
  await db?.close();
});

test("the runner's connections closed by the server while it stops never crash the process", async () => {
  const admin = new pg.Client({ connectionString: db.connectionString });
  await admin.connect();
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  // graphile-worker runs on the runner's thread: an error it leaves unhandled ends that thread (the host's 'crashed').
  const thread = new RunnerThread(() => {});
  try {
    for (let i = 0; i < 8; i++) {
      const host = new RunnerHost(
        {
          connectionString: db.connectionString,
          concurrency: 4,
          taskList: { noop: async () => {} },
          logger: new Logger(() => () => {}),
          companion: { enabled: false },
        },
        thread,
      );
      host.on('crashed', onUncaught);
      await host.start();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // While it stops, the server closes every other connection of this database (57P01), as a stopping server
      // would; again and again, so some land in the moment graphile-worker's clean-up leaves unguarded.
      let stopping = true;
      const closing = (async () => {
        while (stopping) {
          await admin.query(
            `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
          );
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      await host.stop(5_000);
      stopping = false;
      await closing;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await thread.close();
    process.off('uncaughtException', onUncaught);
    await admin.end();
  }
  assert.deepEqual(uncaught.map(String), []);
});
