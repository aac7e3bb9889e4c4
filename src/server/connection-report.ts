import type { Engine } from '../engine/index.ts';
import { describeRetry, type ConnectionStatus } from '../shared/model/status.ts';

/** One terminal line for what changed in the connection, or null when nothing worth a line did. */
export function connectionLine(previous: ConnectionStatus | null, next: ConnectionStatus): string | null {
  const name = next.name ?? 'the database';
  if (next.retry && next.retry.attempt !== previous?.retry?.attempt) {
    const what = next.state === 'offline' ? `lost ${name}` : `cannot connect to ${name}`;
    return `jobdeck: ${what}: ${next.error ?? 'no answer'}; ${describeRetry(next.retry)}`;
  }
  if (next.state === 'online' && previous && previous.state !== 'online' && previous.retry) {
    return `jobdeck: connected to ${name} again`;
  }
  return null;
}

/**
 * Prints the connection's failures and retries as they happen (the console shows the same in its top bar), each
 * attempt once. Returns the unsubscribe.
 */
export function reportConnection(engine: Engine, print: (line: string) => void): () => void {
  let previous: ConnectionStatus | null = null;
  return engine.subscribe((event) => {
    if (event.type !== 'status') return;
    const next = event.status.connection;
    const line = connectionLine(previous, next);
    if (line) print(line);
    previous = { ...next, retry: next.retry && { ...next.retry } };
  });
}
