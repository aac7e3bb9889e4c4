import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatResults, type BenchResult } from './lib.ts';

/**
 * Runs every `bench/*.bench.ts` (or those named on the command line). Each exports a default async function
 * returning BenchResults; absolute times are noisy on shared machines, so each result is a ratio against a
 * baseline measured in the same run.
 */
const only = process.argv.slice(2);
const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const all: BenchResult[] = [];
for (const file of files) {
  console.log(`\n== ${file}`);
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: () => Promise<BenchResult[]> };
  const results = await mod.default();
  console.log(formatResults(results));
  all.push(...results);
}
console.log(`\n${all.length} benchmark(s) in ${files.length} file(s)`);
process.exit(0);
