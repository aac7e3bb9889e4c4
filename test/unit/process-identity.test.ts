import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { processIdentity } from '../../src/engine/runner/process-identity.ts';
import { judgeOwnPool, type OwnPool } from '../../src/engine/runner/own-pools.ts';

// An earlier runner's process is judged by its pid *and* its start time: a zombie is dead, and a pid the system
// gave to another process since (a restart, a reboot) is not the runner that held the jobs.

const pool = (pid: number, identity: string | null): OwnPool => ({
  poolId: 'p',
  connectionId: 'c',
  pid,
  processIdentity: identity,
  startedAt: 0,
  stoppedAt: null,
  recoveredAt: null,
});

async function sleeper() {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return child;
}

test('a running process has one identity, the same each time it is asked', async (t) => {
  const child = await sleeper();
  t.after(() => child.kill('SIGKILL'));
  const identity = processIdentity(child.pid!);
  assert.ok(identity, 'a live process has an identity');
  assert.equal(processIdentity(child.pid!), identity);
  assert.notEqual(processIdentity(process.pid), identity, 'another process, another identity');
  assert.equal(judgeOwnPool(pool(child.pid!, identity), null).alive, true);
});

test('the same pid with another start time is another process: the runner that held the jobs is gone', async (t) => {
  const child = await sleeper();
  t.after(() => child.kill('SIGKILL'));
  const verdict = judgeOwnPool(pool(child.pid!, 'another-boot:12345'), null);
  assert.deepEqual(verdict, {
    alive: false,
    reason: `Jobdeck's runner whose process ${child.pid} has exited (the pid now belongs to another process)`,
  });
});

test('an exited process, and a zombie (exited, not yet collected by its parent), are gone', async (t) => {
  const child = await sleeper();
  const identity = processIdentity(child.pid!);
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal(processIdentity(child.pid!), null);
  assert.equal(judgeOwnPool(pool(child.pid!, identity), null).alive, false);

  // The child ends after its parent has exec'd into a long sleep that never collects it: a zombie. (With `sleep 0`
  // the child could end before the exec, and the shell then reaped it: seen once under load.)
  const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => parent.kill('SIGKILL'));
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const zombie = Number(String(line).trim());
  // Until it has exited, it is alive; once exited it stays in the process table as a zombie.
  let state = '';
  for (let i = 0; i < 250 && state !== 'Z'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    state = process.platform === 'linux' ? (await import('node:fs')).readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1][0] : 'Z';
  }
  assert.equal(state, 'Z', 'the child is a zombie');
  assert.equal(processIdentity(zombie), null);
  // Whether or not its start time was recorded (rows from before it was are judged by pid).
  assert.equal(judgeOwnPool(pool(zombie, null), null).alive, false);
  assert.equal(judgeOwnPool(pool(zombie, 'any'), null).alive, false);
});
