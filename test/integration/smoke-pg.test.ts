import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPostgres } from '../helpers/postgres.ts';

test('embedded postgres with graphile-worker schema', async () => {
  const db = await startTestPostgres();
  try {
    const { rows } = await db.pool.query<{ id: number | null }>(`select max(id) as id from graphile_worker.migrations`);
    assert.ok(Number(rows[0].id) >= 19);
  } finally {
    await db.close();
  }
});
