import type { JobHelpers, Task, TaskList } from 'graphile-worker';
import { z } from 'zod';
import { chatJson, fieldsInstruction, LlmError, type LlmConfig } from './llm-client.ts';
import { recordResponseUsage } from './usage-report.ts';
import { recordUsage } from '../../worker/index.ts';
import { tokensOf } from './fake-wire.ts';
import { DEMO_PIPELINES, type DemoPipeline, type DemoTaskName } from './schema.ts';

/** What each task asks the model, and the shape its answer must have before it is stored. */
interface Prompt {
  system: string;
  output: z.ZodObject;
}

const stringList = z.array(z.string().min(1)).min(1);

const PROMPTS: Record<DemoTaskName, Prompt> = {
  generate_insight: {
    system:
      'You are a news analyst. Read the news event and describe it. "summary": one sentence. "sentiment": positive, ' +
      'negative or neutral. "topics": 2-5 short topics. "importance": an integer from 1 (trivial) to 5 (major).',
    output: z.object({
      summary: z.string().min(1),
      sentiment: z.string().min(1),
      topics: stringList,
      importance: z.number().int().min(1).max(5),
    }),
  },
  enrich_record: {
    system:
      'You enrich job postings for a job board. "seniority": junior, mid or senior. "skills": the technical skills ' +
      'asked for. "remote": true if the role can be done remotely. "category": the job family, e.g. engineering.',
    output: z.object({
      seniority: z.string().min(1),
      skills: stringList,
      remote: z.boolean(),
      category: z.string().min(1),
    }),
  },
  summarize: {
    system:
      'You summarise internal documents. "summary": at most two sentences. "key_points": up to three short points. ' +
      '"language": the ISO 639-1 code of the document language.',
    output: z.object({
      summary: z.string().min(1),
      key_points: stringList,
      language: z.string().min(2),
    }),
  },
};

// Ids arrive as JSON numbers from our producer, but other producers may send bigint ids as strings.
const itemId = z.union([z.number().int().positive(), z.string().regex(/^[1-9]\d*$/)]).transform(String);

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/** Reads the item id from the payload, or throws a message that says what was expected. */
function parsePayload(p: DemoPipeline, payload: unknown): string {
  const parsed = z.object({ [p.payloadKey]: itemId }).safeParse(payload);
  if (!parsed.success) {
    throw new Error(
      `Invalid payload for ${p.task}: ${describeIssues(parsed.error)} (expected { "${p.payloadKey}": <item id> }, got ${JSON.stringify(payload)})`,
    );
  }
  return parsed.data[p.payloadKey];
}

interface ItemRow {
  title: string;
  text: string;
  done: boolean;
}

function makeLlmTask(p: DemoPipeline, getLlm: () => LlmConfig): Task {
  const prompt = PROMPTS[p.task];
  const requiredFields = Object.keys(prompt.output.shape);
  return async (payload: unknown, helpers: JobHelpers) => {
    const id = parsePayload(p, payload);
    const { rows } = await helpers.query<ItemRow>(
      `select s.title, s.${p.textColumn} as text,
              exists (select 1 from ${p.outputTable} o where o.${p.outputKey} = s.id) as done
         from ${p.sourceTable} s where s.id = $1`,
      [id],
    );
    const item = rows[0];
    if (!item) {
      // Retrying cannot bring a deleted item back: finish the job instead of burning attempts.
      helpers.logger.warn(`${p.task}: ${p.sourceTable} ${id} does not exist; nothing to do`);
      return;
    }
    if (item.done) {
      helpers.logger.info(`${p.task}: ${p.sourceTable} ${id} already has its output; skipping`);
      return;
    }
    const llm = getLlm();
    const model = llm.modelsByTask?.[p.task] ?? llm.model;
    const request = { system: prompt.system, user: `${item.title}\n\n${item.text}`, requiredFields };
    const onResponse = recordResponseUsage(helpers);
    let answer: Record<string, unknown>;
    try {
      // helpers.abortSignal: the runner host swaps in a per-job signal, so cancelling one job aborts this call.
      answer = await chatJson(llm, request, { signal: helpers.abortSignal, model, onResponse });
    } catch (error) {
      if (llm.simulated && error instanceof LlmError && error.kind === 'timeout') billTimeout(llm, model, request, helpers);
      throw error;
    }
    const checked = prompt.output.safeParse(answer);
    if (!checked.success) throw new Error(`Model output failed validation: ${describeIssues(checked.error)}`);
    // A concurrent run for the same item may have written first; its output stands.
    await helpers.query(
      `insert into ${p.outputTable} (${p.outputKey}, ${p.outputColumn}, model) values ($1, $2::jsonb, $3)
       on conflict (${p.outputKey}) do nothing`,
      [id, JSON.stringify(checked.data), model],
    );
  };
}

/** Tokens a model streams per second, for the simulated bill of a generation cut off by the client's timeout. */
const SIMULATED_TOKENS_PER_S = 60;

/**
 * A timeout after a long generation still costs: providers bill the prompt and whatever was generated before the
 * client gave up. A real provider's bill for it is not visible to the client (nothing is recorded then); the
 * simulated one bills the prompt and the tokens it would have streamed until the timeout.
 */
function billTimeout(
  llm: LlmConfig,
  model: string,
  request: { system: string; user: string; requiredFields: string[] },
  helpers: JobHelpers,
) {
  const prompt = `${request.system}\n\n${fieldsInstruction(request.requiredFields)}${request.user}`;
  recordUsage(
    {
      model,
      provider: 'openai',
      inputTokens: tokensOf(prompt, model) + 11,
      outputTokens: Math.min(4096, Math.round((llm.timeoutMs / 1000) * SIMULATED_TOKENS_PER_S)),
    },
    helpers,
  );
}

/**
 * The demo's graphile-worker tasks: `generate_insight` `{eventId}`, `enrich_record` `{postingId}`,
 * `summarize` `{documentId}`. `getLlm` is read on every job so settings changes apply to the next job.
 */
export function makeDemoTaskList(getLlm: () => LlmConfig): TaskList {
  const taskList: TaskList = {};
  for (const pipeline of DEMO_PIPELINES) taskList[pipeline.task] = makeLlmTask(pipeline, getLlm);
  return taskList;
}
