import { api } from '../api/client.ts';
import { useLive } from './live-store.ts';
import { useToasts } from './toast-store.ts';
import type { OpInput } from '../../../shared/contract/index.ts';

/** Runs an action and reports its failure as a toast; resolves to the result, or undefined on failure. */
async function attempt<T>(title: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    useToasts.getState().push('error', title, (error as Error).message);
    return undefined;
  }
}

export async function startRunner(concurrency: number): Promise<void> {
  const runner = await attempt('Could not start the runner', () => api.call('runner.start', { concurrency }));
  if (runner) useLive.getState().patchRunner(runner);
}

export async function stopRunner(): Promise<void> {
  const runner = await attempt('Could not stop the runner', () => api.call('runner.stop', {}));
  if (runner) useLive.getState().patchRunner(runner);
}

export async function configureRunner(concurrency: number): Promise<void> {
  const runner = await attempt('Could not change concurrency', () => api.call('runner.configure', { concurrency }));
  if (runner) useLive.getState().patchRunner(runner);
}

export async function updateDemo(input: OpInput<'demo.update'>): Promise<void> {
  const demo = await attempt('Could not change the demo', () => api.call('demo.update', input));
  if (demo) useLive.getState().patchDemo(demo);
}

export async function installSchema(): Promise<boolean> {
  const schema = await attempt("Could not install graphile-worker's schema", () =>
    api.call('schema.install', { confirm: true }),
  );
  if (schema) {
    useToasts.getState().push('info', 'Schema installed', `graphile-worker migration ${schema.version ?? '?'} is in place.`);
  }
  return !!schema;
}
