import type { JobHelpers } from 'graphile-worker';
import { recordUsage } from '../../worker/index.ts';
import type { LlmResponseInfo } from './llm-client.ts';

/**
 * What the demo's tasks do with each answer of the model, as a user's task would: its usage goes to the companion
 * (Jobdeck's Usage view), with the raw text, kept for a failed attempt.
 */
export const recordResponseUsage =
  (helpers: JobHelpers) =>
  (r: LlmResponseInfo): void =>
    recordUsage(
      {
        rawOutput: r.content ?? '',
        model: r.model,
        provider: 'openai',
        inputTokens: r.inputTokens,
        outputTokens: r.outputTokens,
        cachedInputTokens: r.cachedInputTokens,
        reasoningTokens: r.reasoningTokens,
      },
      helpers,
    );
