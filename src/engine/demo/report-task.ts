import type { Task } from 'graphile-worker';
import { z } from 'zod';
import { cancelledError, chatJson, LlmError, type ChatJsonRequest, type LlmConfig } from './llm-client.ts';

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
 * Like the OpenAI and Anthropic SDKs (two retries by default), a call that hit a rate limit, a 5xx, a timeout or
 * the network is tried again within the attempt: eight calls a job at the demo's failure rates would otherwise fail
 * most attempts and leave half the reports failed for good. An answer that does not parse is not retried here: the
 * job's own retry is what the console shows for it.
 */
const CALL_RETRIES = 2;
const transient = (error: unknown) =>
  error instanceof LlmError &&
  (error.kind === 'timeout' || error.kind === 'network' || (error.kind === 'api' && (error.status === 429 || (error.status ?? 0) >= 500)));

async function callWithRetries(llm: () => LlmConfig, request: ChatJsonRequest, signal: AbortSignal): Promise<void> {
  for (let retry = 0; ; retry++) {
    try {
      await chatJson(llm(), request, { signal });
      return;
    } catch (error) {
      if (retry >= CALL_RETRIES || signal.aborted || !transient(error)) throw error;
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
      );
    }
    helpers.logger.info(`${DRAFT_REPORT_TASK}: drafted ${sections} section(s) of "${title}"`);
  };
}
