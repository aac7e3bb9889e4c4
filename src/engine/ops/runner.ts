import { OpError } from '../../shared/contract/index.ts';
import type { HandlersOf } from './types.ts';

type Ops = 'runner.start' | 'runner.stop' | 'runner.configure' | 'runner.chooseTaskDirectory' | 'demo.update';

export const runnerHandlers: HandlersOf<Ops> = {
  'runner.start': async ({ concurrency }, core) => {
    const reason = core.runnerStatus().unavailableReason;
    if (reason) throw new OpError('unavailable', reason);
    if (concurrency) core.runner.configure({ concurrency });
    const session = core.requireSession();
    await core.runner.start(session.connectionString, session.profile.id);
    core.runnerWanted = true;
    return core.runnerStatus();
  },
  'runner.stop': async (_input, core) => {
    core.runnerWanted = false;
    await core.runner.stop();
    return core.runnerStatus();
  },
  'runner.configure': async ({ concurrency }, core) => {
    core.runner.configure({ concurrency });
    await core.runner.restart();
    return core.runnerStatus();
  },
  'runner.chooseTaskDirectory': async ({ useDemo }, core) => {
    if (useDemo) {
      core.runner.configure({ taskDirectory: null });
    } else {
      if (!core.options.pickDirectory) {
        throw new OpError('unavailable', 'Web mode cannot open a folder dialog: start it with --task-directory DIR');
      }
      const dir = await core.options.pickDirectory();
      if (!dir) return core.runnerStatus();
      core.runner.configure({ taskDirectory: dir });
    }
    await core.runner.restart();
    return core.runnerStatus();
  },
  'demo.update': ({ ratePerSecond, mix }, core) => {
    const demo = core.runner.demo;
    if (!demo) throw new OpError('unavailable', 'The demo runs only on the embedded database');
    demo.update({ ...(ratePerSecond !== undefined ? { ratePerSecond } : {}), ...(mix ? { mix: { ...demo.settings().mix, ...mix } } : {}) });
    return core.demoStatus();
  },
};
