import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Engine } from '../engine/index.ts';
import type { WebServer } from './web-server.ts';
import { dataDirProblem, defaultDataDir } from './data-dir.ts';
import { provideNodeNavigator } from './node-navigator.ts';
import { dataDirCluster, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../engine/pg/embedded.ts';
import { DataFolderInUseError, lockDataFolder } from '../engine/store/folder-lock.ts';

// Only what is needed before the embedded Postgres starts is imported above: the engine, the web server and their
// packages load (about as long as Postgres takes to start) while it starts.

const HELP = `Jobdeck web mode: serves the console to a browser on 127.0.0.1.

Usage: npm run serve -- [options]

  --demo                 the embedded Postgres with the demo pipeline (the default without --database-url)
  --database-url URL     watch and operate a chosen Postgres (or set JOBDECK_DATABASE_URL); the password is
                         kept in memory only
  --data-dir DIR         where Jobdeck keeps its SQLite file and embedded Postgres (default: ${defaultDataDir()})
  --port N               port to listen on (default: a free port)
  --no-runner            watch only: do not host a graphile-worker runner
  --offline              connect to nothing: review the failure history kept in the data directory
  --task-directory DIR   run the tasks in DIR (graphile-worker's taskDirectory convention) instead of the demo's
  --concurrency N        jobs the hosted runner runs at once (default 4)
  -h, --help             this text
`;

/** An error's message without its stack: what an operator can act on. */
const plain = (error: unknown) => String((error as Error)?.message ?? error);

/** A start-up problem that is not bad input: one line, exit code 1. */
function exitWith(message: string): never {
  console.error(`jobdeck: ${message}`);
  process.exit(1);
}

/** Bad input on the command line: one line (the options are one `--help` away), exit code 2. */
function fail(message: string): never {
  console.error(`jobdeck: ${message} (npm run serve -- --help lists the options)`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        demo: { type: 'boolean', default: false },
        'database-url': { type: 'string' },
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        'no-runner': { type: 'boolean', default: false },
        offline: { type: 'boolean', default: false },
        'task-directory': { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const databaseUrl = values['database-url'] ?? process.env.JOBDECK_DATABASE_URL;
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) fail('--database-url must start with postgres:// or postgresql://');
    const { parseTarget } = await import('../engine/pg/connection-string.ts');
    try {
      parseTarget({ url: databaseUrl });
    } catch (error) {
      fail(`--database-url: ${(error as Error).message}`);
    }
  }
  if (values.demo && values['database-url']) fail('--demo and --database-url exclude each other');
  if (values.offline && (values.demo || values['database-url'])) fail('--offline excludes --demo and --database-url');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, not ${values.port}`);
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) fail('--concurrency must be 1..64');

  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const dataDirError = dataDirProblem(dataDir, values['data-dir'] !== undefined);
  if (dataDirError) exitWith(dataDirError);
  // The folder is this console's until it stops (the engine's store holds it from then on): a second Jobdeck on it is
  // refused here, before its embedded Postgres or SQLite file is touched.
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    lockDataFolder(dataDir);
  } catch (error) {
    if (error instanceof DataFolderInUseError) exitWith(`${error.message}: stop it, or pass another --data-dir`);
    exitWith(`cannot open the data directory ${dataDir}: ${plain(error)}`);
  }
  const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));

  // Before pg loads (with the engine, below).
  provideNodeNavigator();
  // Until the console is up, a Ctrl-C just exits (a Postgres already started is stopped on the way out).
  const exitEarly = () => process.exit(130);
  process.once('SIGINT', exitEarly);
  process.once('SIGTERM', exitEarly);
  const embeddedStarting = !databaseUrl && !values.offline ? startEmbedded(dataDir) : undefined;
  const [{ createEngine }, { startWebServer }, { reportConnection }] = await Promise.all([
    import('../engine/index.ts'),
    import('./web-server.ts'),
    import('./connection-report.ts'),
  ]);
  /** Stops that Postgres when the engine never took it (the console did not come up). */
  const dropEmbedded = () => embeddedStarting?.then((server) => server.stop()).catch(() => {});
  let engine: Engine;
  try {
    engine = createEngine({ dataDir, mode: 'web', embeddedStarting });
  } catch (error) {
    await dropEmbedded();
    return exitWith(`cannot open the data directory ${dataDir}: ${plain(error)}`);
  }
  let server: WebServer;
  try {
    server = await startWebServer({ engine, staticDir, port });
  } catch (error) {
    await engine.stop(1_000).catch(() => {});
    await dropEmbedded();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return exitWith(`port ${port} is in use: choose another with --port, or leave it out for a free one`);
    if (code === 'EACCES') return exitWith(`port ${port} needs privileges this user lacks: choose one above 1023`);
    return exitWith(`cannot serve on port ${port}: ${plain(error)}`);
  }
  let stoppingAt = 0;
  const shutdown = async (signal: string) => {
    if (stoppingAt) {
      // One Ctrl-C can arrive twice (the terminal signals the whole group, and tsx relays it): ignore echoes.
      if (Date.now() - stoppingAt < 1500) return;
      // A second Ctrl-C: the operator does not want to wait. Start-up recovery clears what is left locked; the embedded
      // Postgres is asked to stop on the way out (postgres-process.ts) and finishes alone.
      console.log(`${signal} again: exiting now`);
      process.exit(130);
    }
    stoppingAt = Date.now();
    const again = signal === 'SIGINT' ? '; press Ctrl-C again to exit at once' : '';
    console.log(`\n${signal}: stopping (waiting up to 10 s for running jobs${again})…`);
    // Whatever happens below (a database that died first, say), the process ends.
    setTimeout(() => {
      console.error('jobdeck: shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    stopReporting();
    const report = await engine.stop(10_000);
    if (report.aborted) console.log(`aborted ${report.aborted} running job(s); graphile-worker will retry them`);
    await server.close();
    console.log('stopped');
    process.exit(0);
  };
  // A background database error (the server restarting, say) is logged; the console stays up and reconnects.
  process.on('unhandledRejection', (reason) => console.error(`jobdeck: background error: ${(reason as Error)?.message ?? reason}`));
  process.off('SIGINT', exitEarly);
  process.off('SIGTERM', exitEarly);
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // `npm run serve` runs this through `sh -c`, which dies of a SIGTERM sent to npm without passing it on: a console
  // whose parent is gone stops as if signalled, rather than running on, orphaned, with its Postgres.
  const parent = process.ppid;
  setInterval(() => !stoppingAt && process.ppid !== parent && void shutdown('parent exited'), 1000).unref();

  console.log(`Jobdeck data directory: ${dataDir}`);
  // The connection's trouble in the terminal too: "database unreachable …: retrying in 4 s (attempt 3)".
  const stopReporting = reportConnection(engine, (line) => console.error(line));
  // Ready once the database answers: start-up recovery and the hosted runner's start go on (the console shows them).
  await new Promise<void>((connected) => {
    engine
      .start({
        databaseUrl,
        offline: values.offline,
        demo: !databaseUrl,
        runner: !values['no-runner'],
        concurrency,
        taskDirectory: values['task-directory'] ? path.resolve(values['task-directory']) : undefined,
        onConnected: connected,
      })
      // The console still opens on failure: it shows the error, retries the chosen database, and lets the operator
      // pick another connection. The reporter above has printed the error and the retry.
      .catch(() => {})
      .finally(connected);
  });
  const cluster = engine.embeddedCluster();
  if (cluster) {
    console.log(`Embedded Postgres: ${cluster.dir}`);
    // Loopback only, with a fixed local password: what a worker of the operator's needs to join the demo.
    console.log(`  your workers connect with DATABASE_URL=${cluster.connectionString}`);
  }
  const connection = engine.status().connection;
  if (values.offline || connection.state === 'online') {
    console.log(`\nJobdeck is ready. Open this URL in your browser (it carries the access token):\n\n  ${server.url}\n`);
  } else {
    // Not "ready": the console serves, but shows no queue until the database answers.
    console.log(
      `\nJobdeck is up, but not connected to ${connection.name ?? 'a database'} yet (it keeps retrying; the console shows when).` +
        ` Open this URL in your browser (it carries the access token):\n\n  ${server.url}\n`,
    );
  }
}

/**
 * The data folder's embedded Postgres, started at once. Its failure (the folder held by a Jobdeck still stopping) is
 * the engine's to report when it takes it: handled here so that it is not an unhandled rejection before then.
 */
function startEmbedded(dataDir: string): Promise<EmbeddedPostgresHandle> {
  const starting = startEmbeddedPostgres({
    ...dataDirCluster(dataDir),
    onNotice: (line) => console.error(`[jobdeck] warn: ${line}`),
  });
  starting.catch(() => {});
  return starting;
}

main().catch((error) => {
  // The stack only when asked for: an operator gets the message.
  console.error(`jobdeck: ${process.env.JOBDECK_DEBUG ? ((error as Error).stack ?? error) : plain(error)}`);
  process.exit(1);
});
