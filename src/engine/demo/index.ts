import type pg from 'pg';
import type { TaskList } from 'graphile-worker';
import { DEFAULT_FAILURE_MIX, mergeMix, startFakeLlm, type FailureMix, type FakeLlm } from './fake-llm.ts';
import type { LlmConfig } from './llm-client.ts';
import { startDemoProducer, type DemoProducer } from './producer.ts';
import { installDemoSchema } from './schema.ts';
import { makeDemoTaskList } from './tasks.ts';

export { DEFAULT_FAILURE_MIX, startFakeLlm, type FailureMix, type FakeLlm } from './fake-llm.ts';
export { chatJson, LlmError, type LlmConfig } from './llm-client.ts';
export { startDemoProducer, type DemoProducer } from './producer.ts';
export { DEMO_PIPELINES, DEMO_SCHEMA, installDemoSchema, type DemoPipeline } from './schema.ts';
export { makeDemoTaskList } from './tasks.ts';
export { DRAFT_REPORT_TASK, makeDraftReportTask } from './report-task.ts';
export {
  startDemoWorker,
  defaultDemoWorkerCommand,
  type DemoWorker,
  type DemoWorkerCommand,
  type DemoWorkerOptions,
} from './worker-child.ts';

/** The knobs an operator can turn while the demo runs. */
export interface DemoSettings {
  ratePerSecond: number;
  mix: FailureMix;
}

/** A change of settings; any `Partial<DemoSettings>` is one, and `mix` may name only the failures it changes. */
export interface DemoSettingsUpdate {
  ratePerSecond?: number;
  mix?: Partial<FailureMix>;
}

export interface StartDemoOptions {
  pool: pg.Pool;
  /** Same database as `pool`. Not used by the demo itself: the host runs the graphile-worker runner with it. */
  connectionString: string;
  /** Default 2 items (and jobs) per second. */
  ratePerSecond?: number;
  mix?: Partial<FailureMix>;
  /** With `baseUrl`, a real provider (OpenAI, Mistral, Ollama `/v1`) is used and the fake is not started. */
  llm?: Partial<LlmConfig>;
  /** Job-less items to leave for a backfill to find; default 25. */
  seedBacklog?: number;
}

/** A running demo: give `taskList` to a graphile-worker runner. */
export interface DemoRuntime {
  taskList: TaskList;
  /** The simulated provider, or null when a real provider is configured. */
  llm: FakeLlm | null;
  /** Where the demo's tasks call the model (the fake's address, or the real provider): other worker processes too. */
  llmConfig: LlmConfig;
  producer: DemoProducer;
  settings(): DemoSettings;
  /** `mix` is merged into the current mix (values 0..1; scaled down if they add up to more than 1). */
  update(settings: DemoSettingsUpdate): void;
  stop(): Promise<void>;
}

/** The models the demo's pipelines ask the simulated provider for (all in the default price table). */
export const DEMO_MODELS: Record<string, string> = {
  generate_insight: 'gpt-4o-mini',
  enrich_record: 'gpt-4.1-mini',
  summarize: 'claude-3-5-haiku',
};

// Short enough that a simulated timeout shows up within seconds rather than minutes, long enough for real providers.
const FAKE_TIMEOUT_MS = 5_000;
const REAL_TIMEOUT_MS = 60_000;

/** Starts the simulated provider (unless a real one is configured), installs the demo schema and starts the producer. */
export async function startDemo(options: StartDemoOptions): Promise<DemoRuntime> {
  let mix = mergeMix({ ...DEFAULT_FAILURE_MIX }, options.mix);
  const fake = options.llm?.baseUrl ? null : await startFakeLlm({ mix });
  const llmConfig: LlmConfig = fake
    ? {
        baseUrl: fake.baseUrl,
        apiKey: fake.apiKey,
        model: options.llm?.model ?? 'gpt-4o-mini',
        timeoutMs: options.llm?.timeoutMs ?? FAKE_TIMEOUT_MS,
        // The simulated provider answers for any model: the pipelines use a few, so usage and cost differ per model.
        modelsByTask: options.llm?.model ? undefined : DEMO_MODELS,
        simulated: true,
      }
    : {
        baseUrl: options.llm?.baseUrl ?? '',
        apiKey: options.llm?.apiKey ?? '',
        model: options.llm?.model ?? 'gpt-4o-mini',
        timeoutMs: options.llm?.timeoutMs ?? REAL_TIMEOUT_MS,
      };
  try {
    await installDemoSchema(options.pool);
  } catch (error) {
    await fake?.close();
    throw error;
  }
  const producer = startDemoProducer({
    pool: options.pool,
    ratePerSecond: options.ratePerSecond ?? 2,
    seedBacklog: options.seedBacklog,
  });

  return {
    taskList: makeDemoTaskList(() => llmConfig),
    llm: fake,
    llmConfig,
    producer,
    settings: () => ({ ratePerSecond: producer.rate(), mix: { ...mix } }),
    update(settings) {
      // Validate everything before changing anything.
      const nextMix = settings.mix ? mergeMix(mix, settings.mix) : mix;
      if (settings.ratePerSecond !== undefined) producer.setRate(settings.ratePerSecond);
      mix = nextMix;
      fake?.setMix(mix);
    },
    async stop() {
      await producer.stop();
      await fake?.close();
    },
  };
}
