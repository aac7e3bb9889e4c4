/**
 * Waits for `promise` to settle, at most `ms`: true when it did (resolved or rejected), false when the time ran out.
 * Never rejects, and leaves no timer behind: for bounded waits in shutdowns, where a hung part must not hold the rest.
 */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    () => true,
    () => true,
  );
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
