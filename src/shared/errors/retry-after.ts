/**
 * When a provider says a rate-limited request may be tried again, read from its error text. Pure: the circuit
 * breaker resumes a task at this time. Forms understood (case-insensitive):
 * - a delay after "retry after", "retry in", "try again in", "Retry-After:", "retryDelay": `20s`, `1m30s`, `120ms`,
 *   `2.5s`, `6m0s`, `1h2m`, `20 seconds`, `1 minute 30 seconds`, or a bare number of seconds (`Retry-After: 20`);
 * - a reset time: "resets at 2026-12-02T14:00:00Z", "reset at 14:00 UTC" (the next such time, UTC),
 *   "x-ratelimit-reset: 1764684000" (unix seconds) or a delay like `x-ratelimit-reset-tokens: 6m0s`.
 * Anything longer than a day away is not believed (a misread number, a daily quota better left to a cool-down).
 */

/** The furthest a named time is believed. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

// One part of a delay: a number and its unit (`1m`, `30 seconds`); `ms` before `m` so `120ms` is not `120m` + `s`.
// A unit ends where letters do (not at a word boundary: `1m30s` has none between `m` and `3`).
const UNIT = String.raw`(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hr|h)(?![a-z])`;
const PART = String.raw`(\d+(?:\.\d+)?)\s*${UNIT}`;
// Parts, or a bare number of seconds (not followed by a word: `3 days` is no delay we read).
const DELAY = String.raw`((?:\d+(?:\.\d+)?\s*${UNIT}[\s,]*(?:and\s+)?)+|\d+(?:\.\d+)?(?![\d.]|\s*[a-z]))`;

/** Phrases that announce a delay. */
const DELAY_CUES = [
  String.raw`try\s+again\s+in`,
  String.raw`retry\s+(?:after|in)`,
  String.raw`retry-after\W{0,3}`,
  String.raw`retry_?delay\W{0,4}`,
  String.raw`wait\s+(?:for\s+)?`,
  String.raw`x-ratelimit-reset(?:-requests|-tokens)?\W{0,3}`,
];
const DELAY_RE = new RegExp(String.raw`(?:${DELAY_CUES.join('|')})\s*${DELAY}`, 'i');
const ISO_RESET_RE = /reset[s]?\s+(?:at|on)\s+(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)/i;
const CLOCK_RESET_RE = /reset[s]?\s+at\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:UTC|GMT|Z)\b/i;
const EPOCH_RESET_RE = /x-ratelimit-reset(?:-requests|-tokens)?\W{0,3}(\d{10}(?:\.\d+)?)\b/i;

/** A delay like `1m30s`, `20 seconds`, `1 minute and 30 seconds` in ms; a bare number is seconds. */
export function parseDelay(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  let total = 0;
  let found = false;
  for (const m of trimmed.matchAll(new RegExp(PART, 'gi'))) {
    total += Number(m[1]) * UNIT_MS[m[2].toLowerCase()];
    found = true;
  }
  return found ? Math.round(total) : null;
}

/**
 * The time the provider named in `message` for a new attempt, relative to `at` (when the error was raised), or
 * null when it named none (or one more than a day away, or already past at `at`).
 */
export function parseRetryAfter(message: string | null | undefined, at: Date): Date | null {
  if (!message) return null;
  const head = message.slice(0, 8192);
  const base = at.getTime();
  const believable = (t: number) => (Number.isFinite(t) && t >= base && t - base <= MAX_RETRY_AFTER_MS ? new Date(t) : null);

  const epoch = EPOCH_RESET_RE.exec(head);
  if (epoch) return believable(Number(epoch[1]) * 1000);
  const iso = ISO_RESET_RE.exec(head);
  if (iso) {
    const text = iso[1].replace(' ', 'T');
    // A reset time without a zone is read as UTC (providers print UTC).
    return believable(Date.parse(/Z|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`));
  }
  const clock = CLOCK_RESET_RE.exec(head);
  if (clock) {
    const d = new Date(base);
    let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0));
    if (t < base) t += 24 * 3_600_000;
    return believable(t);
  }
  const delay = DELAY_RE.exec(head);
  if (delay) {
    const ms = parseDelay(delay[1]);
    return ms === null ? null : believable(base + ms);
  }
  return null;
}
