/** One comparison: the candidate against a baseline measured in the same run, on the same data. */
export interface BenchResult {
  name: string;
  /** What the baseline is, e.g. "count through the public jobs view". */
  baseline: string;
  baselineMs: number;
  candidateMs: number;
  /** Free-form facts worth printing (rows, memory, ...). */
  notes?: string;
}

/** Median wall time of `runs` calls of `fn` (after one warm-up). */
export async function timeMedian(fn: () => unknown, runs = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function formatResults(results: BenchResult[]): string {
  const lines = results.map((r) => {
    const ratio = r.candidateMs > 0 ? r.baselineMs / r.candidateMs : Infinity;
    return `${r.name.padEnd(48)} ${r.candidateMs.toFixed(1).padStart(9)} ms  vs ${r.baselineMs.toFixed(1).padStart(9)} ms  ${ratio.toFixed(1).padStart(6)}x faster than ${r.baseline}${r.notes ? `  (${r.notes})` : ''}`;
  });
  return lines.join('\n');
}
