/**
 * A node:test reporter for scripts/run-tests.ts: one JSON line per finished test (or suite), with its file,
 * outcome, skip reason and, for a failure, the first line of its error. The runner reads these lines to print
 * the closing summary; node's own reporter still prints everything else.
 */
export default async function* jobdeckEvents(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    const details = data.details ?? {};
    yield `${JSON.stringify({
      status: event.type === 'test:pass' ? 'pass' : 'fail',
      name: data.name,
      file: data.file ?? null,
      nesting: data.nesting,
      suite: details.type === 'suite',
      skip: data.skip ?? null,
      todo: data.todo ?? null,
      durationMs: details.duration_ms ?? null,
      failureType: details.error?.failureType ?? null,
      error: event.type === 'test:fail' ? firstLine(details.error) : null,
    })}\n`;
  }
}

/** The error a reader needs: the cause of a wrapped failure (a hook's error, an assertion), its first line. */
function firstLine(error) {
  if (!error) return null;
  const cause = error.cause && typeof error.cause === 'object' ? error.cause : null;
  const message = String((cause && cause.message) || error.message || error);
  const line = message.split('\n').find((l) => l.trim()) ?? message;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
