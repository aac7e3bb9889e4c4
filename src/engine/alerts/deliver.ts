import { postJson } from './webhook-post.ts';
import { checkWebhookUrl, WebhookUrlError } from './webhook-url.ts';

/** How a webhook is tried: each attempt bounded, a few attempts, a growing pause between them. */
export interface RetryPolicy {
  timeoutMs: number;
  /** Pauses before the 2nd, 3rd, ... attempt; its length + 1 is the number of attempts. */
  backoffMs: number[];
}

export const DEFAULT_RETRY: RetryPolicy = { timeoutMs: 5_000, backoffMs: [1_000, 4_000] };

export interface DeliveryOutcome {
  delivered: boolean;
  attempts: number;
  /** `HTTP 200`, or why the last attempt failed. */
  detail: string;
}

/** Waits `ms`, or less when `signal` aborts (Jobdeck is stopping). */
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Statuses worth another try: the receiver is busy or broken for now. Other 4xx will not change. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Posts a message to a webhook with bounded retries. Never throws: the outcome says what happened. The URL is
 * checked again before every attempt (its host may resolve elsewhere since it was saved), and a refused address
 * is not retried.
 */
export async function deliverWebhook(
  rawUrl: string,
  body: unknown,
  policy: RetryPolicy,
  signal: AbortSignal,
  onAttempt?: (attempt: number, detail: string) => void,
): Promise<DeliveryOutcome> {
  let detail = '';
  const attempts = policy.backoffMs.length + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const url = await checkWebhookUrl(rawUrl);
      const { status } = await postJson(url, body, policy.timeoutMs, signal);
      detail = `HTTP ${status}`;
      if (status >= 200 && status < 300) return { delivered: true, attempts: attempt, detail };
      if (!retryable(status)) return { delivered: false, attempts: attempt, detail: `${detail}: the receiver refused the message` };
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      detail = e.code && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message;
      if (error instanceof WebhookUrlError || e.code === 'EBLOCKED')
        return { delivered: false, attempts: attempt, detail: `refused: ${detail}` };
    }
    onAttempt?.(attempt, detail);
    if (signal.aborted) return { delivered: false, attempts: attempt, detail: `stopped: ${detail}` };
    if (attempt < attempts) await pause(policy.backoffMs[attempt - 1], signal);
  }
  return { delivered: false, attempts, detail: `gave up after ${attempts} attempts: ${detail}` };
}
