import type { Task } from 'graphile-worker';
import { z } from 'zod';
import { cancelledError, chatJson, LlmError, type ChatJsonRequest, type LlmConfig, type LlmResponseInfo } from './llm-client.ts';
import { recordResponseUsage } from './usage-report.ts';

/** The demo worker process's own task: a long job (tens of seconds), the kind an operator may want to cancel. */
export const DRAFT_REPORT_TASK = 'draft_report';

const payloadSchema = z.object({
  title: z.string().min(1).max(200).default('Weekly digest'),
  /** Each section is a pause (the model "thinking") and one model call: about 3 s each. */
  sections: z.number().int().min(1).max(1000).default(8),
});

/** Waits `ms`, or rejects with the cancel error as soon as `signal` aborts (a cancel from Jobdeck, or shutdown). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelledError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Eight calls a job at the demo's failure rates would fail most attempts and leave half the reports failed for
 * good, so each call retries as real clients do: a rate limit, a 5xx, a timeout or the network twice (the OpenAI
 * and Anthropic SDKs' default), an answer that does not parse once, asking again (as instructor and pydantic-ai
 * re-ask on a validation error). What still fails is the job's own retry, which the console shows.
 */
const RETRIES: Partial<Record<LlmError['kind'], number>> = { api: 2, timeout: 2, network: 2, invalid_json: 1, missing_fields: 1 };
const retriesFor = (error: unknown): number =>
  !(error instanceof LlmError) || (error.kind === 'api' && error.status !== 429 && (error.status ?? 0) < 500)
    ? 0
    : (RETRIES[error.kind] ?? 0);

async function callWithRetries(
  llm: () => LlmConfig,
  request: ChatJsonRequest,
  signal: AbortSignal,
  onResponse: (info: LlmResponseInfo) => void,
): Promise<void> {
  for (let retry = 0; ; retry++) {
    try {
      await chatJson(llm(), request, { signal, onResponse });
      return;
    } catch (error) {
      if (signal.aborted || retry >= retriesFor(error)) throw error;
      await pause(250 * 2 ** retry, signal);
    }
  }
}

/**
 * `draft_report` `{ title?, sections? }`: drafts a report section by section, one model call each, honouring
 * `helpers.abortSignal` between and during calls (with the companion, that signal is this job's own).
 */
export function makeDraftReportTask(getLlm: () => LlmConfig): Task {
  return async (payload, helpers) => {
    const parsed = payloadSchema.safeParse(payload ?? {});
    if (!parsed.success) throw new Error(`Invalid payload for ${DRAFT_REPORT_TASK}: ${parsed.error.issues[0]?.message ?? 'bad payload'}`);
    const { title, sections } = parsed.data;
    for (let i = 1; i <= sections; i++) {
      await pause(1_500 + Math.random() * 1_500, helpers.abortSignal);
      await callWithRetries(
        getLlm,
        {
          system: 'You draft one section of an internal report. "heading": a short heading. "body": two or three sentences.',
          user: `${title}: section ${i} of ${sections}`,
          requiredFields: ['heading', 'body'],
        },
        helpers.abortSignal,
        // Every answer the model gave counts, those of calls retried included: each one was billed.
        recordResponseUsage(helpers),
      );
    }
    helpers.logger.info(`${DRAFT_REPORT_TASK}: drafted ${sections} section(s) of "${title}"`);
  };
}
