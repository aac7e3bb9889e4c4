import { OpError } from '../../shared/contract/index.ts';
import type { HandlersOf } from './types.ts';
import { stuckReport } from '../stuck/report.ts';
import { thresholdsRepo } from '../stuck/thresholds-repo.ts';
import { unlockPools } from '../stuck/unlock.ts';
import { recover } from '../recovery/recover.ts';
import { stuckAction } from '../stuck/act.ts';

type Ops = 'stuck.get' | 'stuck.setThreshold' | 'stuck.unlock' | 'stuck.retry' | 'stuck.cancel' | 'recovery.run';

export const stuckHandlers: HandlersOf<Ops> = {
  'stuck.get': ({ limit }, core) => stuckReport(core, core.requireSession(), limit),

  'stuck.setThreshold': ({ task, minutes }, core) => {
    const session = core.requireSession();
    if (task === '*') throw new OpError('invalid_input', 'Use task: null to set the default threshold');
    if (task === null && minutes === null) throw new OpError('invalid_input', 'The default threshold cannot be removed, only changed');
    const repo = thresholdsRepo(core.db);
    repo.set(session.profile.id, task, minutes);
    return repo.get(session.profile.id);
  },

  'stuck.unlock': ({ poolIds, force }, core) => unlockPools(core, core.requireSession(), poolIds, force),

  'stuck.retry': ({ target, runAt, force }, core) => stuckAction(core, core.requireSession(), 'retry', target, { runAt, force }),

  'stuck.cancel': ({ target, force }, core) => stuckAction(core, core.requireSession(), 'cancel', target, { force }),

  // The operator's "Recover" button: errors surface to the caller, unlike at start-up.
  'recovery.run': (_input, core) => recover(core, core.requireSession(), 'operator'),
};
