/**
 * Loaded (--import) into every test file's process by scripts/run-tests.ts: on exit, appends the file's wall time and
 * its process's CPU time to the file named by JOBDECK_TEST_TIMES, so the closing lines can name the slowest files.
 * node --test reports a file's events only when the files before it are done, so its own timings cannot say this.
 */
import { appendFileSync } from 'node:fs';

const out = process.env.JOBDECK_TEST_TIMES;
// NODE_TEST_CONTEXT marks a file's process (not the node --test process that runs the files).
if (out && process.env.NODE_TEST_CONTEXT && process.argv[1]) {
  process.on('exit', () => {
    const cpu = process.cpuUsage();
    const line = { file: process.argv[1], ms: Math.round(performance.now()), cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
    try {
      appendFileSync(out, `${JSON.stringify(line)}\n`);
    } catch {
      // timings are a nicety: never fail a test file over them
    }
  });
}
