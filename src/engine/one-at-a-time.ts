/**
 * A queue of async runs, each started when the one before has settled (whether it succeeded or failed). Each made
 * is its own queue: the engine holds one for its settings changes (see audited-change.ts).
 */
export function oneAtATime(): <T>(run: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(run: () => Promise<T>): Promise<T> => {
    const next = last.then(run, run);
    last = next.catch(() => undefined);
    return next;
  };
}
