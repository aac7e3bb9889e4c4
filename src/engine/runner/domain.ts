import type { TaskList } from 'graphile-worker';
import { OpError } from '../../shared/contract/index.ts';
import type { DemoStatus, RunnerStatus } from '../../shared/model/status.ts';
import type { HostedRecording } from '../../shared/model/history.ts';
import { hostedRecording } from './recording.ts';
import type { Domain } from '../domain.ts';
import type { HostedRunner, LogFn, Sessions } from '../context.ts';
import type { Session } from '../session.ts';
import { workerLogger } from '../logger.ts';
import { RunnerController, type DemoWorkerSettings } from './controller.ts';
import type { StopReport } from './host.ts';
import type { OwnPoolsRepo } from './own-pools.ts';

type Ops = 'runner.start' | 'runner.stop' | 'runner.configure' | 'runner.chooseTaskDirectory' | 'demo.update';

export interface RunnerContext {
  log: LogFn;
  sessions: Sessions;
  /** This domain writes `runner_pools`; recovery and stuck read it through `ownPools`. */
  pools: OwnPoolsRepo;
  /** The desktop's folder dialog; absent in web mode. */
  pickDirectory?: () => Promise<string | null>;
  onChange: () => void;
  onPool: (poolId: string, session: Session) => void;
  /** Tasks and crontab lines the other domains add to the runner. */
  extras: (session: Session) => { tasks: TaskList; crontab: string[] };
  /** The demo's separate worker process (false: none). */
  demoWorker?: DemoWorkerSettings | false;
}

export interface RunnerDomain extends Domain<Ops> {
  /** The narrow view the other domains get. */
  hosted: HostedRunner;
  status(): RunnerStatus;
  demoStatus(): DemoStatus;
  /** Whether the running runner's attempts are being recorded by its companion, and why not; null when none runs. */
  recording(): HostedRecording | null;
  /** Settings given at start (command line, desktop). */
  configure(options: { concurrency?: number; taskDirectory?: string; wanted: boolean; demo: boolean }): void;
  /**
   * A session is open; the domains' start-up work runs before sessionOpened: meanwhile a runner that will start
   * shows as starting (the CLI's ready line comes before it does), not as stopped.
   */
  sessionOpening(): void;
  /** A session opened: start the demo (embedded database only) and the runner when wanted. */
  sessionOpened(session: Session): Promise<void>;
  /** Stops the runner (the operator's stop, or a test's). */
  stop(timeoutMs?: number): Promise<StopReport>;
  /** Before a session closes: stop the runner (bounded) and the demo. */
  sessionClosing(timeoutMs?: number): Promise<StopReport>;
  /** The engine stops, after sessionClosing: the runner's thread ends. */
  close(): Promise<void>;
}

/** The hosted runner and the demo that feeds it. */
export function createRunner(ctx: RunnerContext): RunnerDomain {
  const { sessions } = ctx;
  /** The operator wants a hosted runner: it follows the console from one connection to the next. */
  let wanted = false;
  let wantDemo = false;
  /** Between sessionOpening and the end of sessionOpened, when the runner is to start. */
  let opening = false;
  const controller = new RunnerController({
    pools: ctx.pools,
    logger: workerLogger(ctx.log),
    log: ctx.log,
    onChange: ctx.onChange,
    onPool: (poolId) => {
      const session = sessions.current();
      if (session) ctx.onPool(poolId, session);
    },
    extras: () => {
      const session = sessions.current();
      return session ? ctx.extras(session) : { tasks: {}, crontab: [] };
    },
    demoWorker: ctx.demoWorker,
  });

  const unavailableReason = (): string | null => {
    const session = sessions.current();
    const s = session?.status;
    if (!s || s.state === 'none') return 'No database connected';
    if (s.schema && !s.schema.installed) return "graphile-worker's schema is not installed in this database";
    if (s.schema?.tooNew) return 'Watch-only: the database was migrated by a newer graphile-worker';
    // The role must be able to take and finish jobs: a read-only role, standby or read-only transactions cannot.
    if (s.readOnlyReason) return `The runner cannot take jobs here: ${s.readOnlyReason.replace(/\.$/, '')}`;
    return null;
  };
  const status = (): RunnerStatus => {
    const current = controller.status(unavailableReason());
    return opening && current.state === 'stopped' ? { ...current, state: 'starting' } : current;
  };

  return {
    name: 'runner',
    hosted: {
      poolId: () => controller.host?.poolId ?? null,
      host: () => controller.host,
      reload: () => (controller.host ? controller.restart() : Promise.resolve()),
    },
    stop: (timeoutMs) => controller.stop(timeoutMs),
    status,
    recording() {
      const host = controller.host;
      if (!host?.poolId) return null;
      return hostedRecording(host.poolId, host.companionHealth(), host.options.connectionString);
    },
    demoStatus: () => controller.demoStatus(),
    configure({ concurrency, taskDirectory, wanted: w, demo }) {
      controller.configure({ concurrency, taskDirectory });
      wanted = w;
      wantDemo = demo;
    },
    sessionOpening() {
      opening = wanted && !unavailableReason();
    },
    async sessionOpened(session) {
      try {
        if (session.profile.kind === 'embedded' && wantDemo) await controller.startDemo(session.pool, session.connectionString);
        if (wanted && !unavailableReason()) {
          // A runner that cannot start (no task source for this database, ...) is reported, never fatal.
          await controller.start(session.connectionString, session.profile.id).catch((error) => ctx.log('warn', (error as Error).message));
          // The demo's other worker: a separate process with the companion, next to the hosted runner (not when watching only).
          controller.startDemoWorker(session.pool, session.connectionString);
        }
      } finally {
        opening = false;
      }
    },
    close: () => controller.close(),
    sessionClosing: (timeoutMs = 10_000) => {
      opening = false;
      return controller.stopAll(timeoutMs);
    },
    handlers: {
      'runner.start': async ({ concurrency }) => {
        const reason = unavailableReason();
        if (reason) throw new OpError('unavailable', reason);
        if (concurrency) controller.configure({ concurrency });
        const session = sessions.require();
        await controller.start(session.connectionString, session.profile.id);
        wanted = true;
        controller.startDemoWorker(session.pool, session.connectionString);
        return status();
      },
      'runner.stop': async () => {
        wanted = false;
        await controller.stop();
        return status();
      },
      'runner.configure': async ({ concurrency }) => {
        // The same concurrency again on a running runner changes nothing: no restart (each would stop the jobs running
        // and take a new pool). On one that is not running (its restart failed, say) it is how to try again.
        if (status().concurrency === concurrency && status().state === 'running') return status();
        controller.configure({ concurrency });
        await controller.restart();
        return status();
      },
      'runner.chooseTaskDirectory': async ({ useDemo }) => {
        if (useDemo) {
          controller.configure({ taskDirectory: null });
        } else {
          // A request this mode can never grant: the caller's to change (400), not a service down for now (503).
          if (!ctx.pickDirectory)
            throw new OpError('invalid_input', 'Web mode cannot open a folder dialog: start it with --task-directory DIR');
          const dir = await ctx.pickDirectory();
          if (!dir) return status();
          controller.configure({ taskDirectory: dir });
        }
        await controller.restart();
        return status();
      },
      'demo.update': ({ ratePerSecond, mix }) => {
        const demo = controller.demo;
        if (!demo) throw new OpError('unavailable', 'The demo runs only on the embedded database');
        const next = mix ? { ...demo.settings().mix, ...mix } : undefined;
        const share = next ? Object.values(next).reduce((sum, value) => sum + value, 0) : 0;
        // Shares of the calls that fail, each way: more than all of them is a mistake to say, not to scale down.
        if (share > 1 + 1e-9) {
          throw new OpError(
            'invalid_input',
            `the failure mix adds up to ${+share.toFixed(3)} with the current values: at most 1 (the rest succeed)`,
            {
              mix: next,
            },
          );
        }
        demo.update({ ...(ratePerSecond !== undefined ? { ratePerSecond } : {}), ...(next ? { mix: next } : {}) });
        return controller.demoStatus();
      },
    },
  };
}
