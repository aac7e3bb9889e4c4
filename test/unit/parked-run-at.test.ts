import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARKED_RUN_AT } from '../../src/worker/pause-sql.ts';
import { PARKED_RUN_AT_ISO } from '../../src/shared/model/control.ts';

// Jobs a pause parked keep graphile-worker's state (scheduled, or waiting to retry) but wait for a resume, not a
// time: the console recognises them by their run_at (the overview counts them apart, the Jobs view says "paused").

test("the console's parked time is the companion's (the companion imports nothing of the console)", () => {
  assert.equal(Date.parse(PARKED_RUN_AT_ISO), PARKED_RUN_AT.getTime());
});
