import { foundation } from './001-foundation.ts';
import { audit } from './002-audit.ts';
import { history } from './003-history.ts';
import { stuck } from './004-stuck.ts';
import { backfill } from './005-backfill.ts';
import { jobActions } from './006-job-actions.ts';
import { autoRecovery } from './007-auto-recovery.ts';
import { exactAttempts } from './008-exact-attempts.ts';
import { usage } from './009-usage.ts';
import { verdictsBreakers } from './010-verdicts-breakers.ts';
import { alerts } from './011-alerts.ts';
import { processIdentity } from './012-process-identity.ts';
import { finalOutcomes } from './013-final-outcomes.ts';
import { rollupsPerTransaction } from './014-rollups-per-transaction.ts';
import { deferredIndexes } from './015-deferred-indexes.ts';
import { cancelsAreNotFailures } from './016-cancels-are-not-failures.ts';
import { cancelledPayloads } from './017-cancelled-payloads.ts';
import { watchCopyPerRange } from './018-watch-copy-per-range.ts';
import { depthPaused } from './019-depth-paused.ts';
import { durationsFromAttempts } from './020-durations-from-attempts.ts';
import { durationRollups } from './021-duration-rollups.ts';

export interface Migration {
  /** Applied in ascending order; never renumber or edit one that has shipped (its hash is checked). */
  id: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  foundation,
  audit,
  history,
  stuck,
  backfill,
  jobActions,
  autoRecovery,
  exactAttempts,
  usage,
  verdictsBreakers,
  alerts,
  processIdentity,
  finalOutcomes,
  rollupsPerTransaction,
  deferredIndexes,
  cancelsAreNotFailures,
  cancelledPayloads,
  watchCopyPerRange,
  depthPaused,
  durationsFromAttempts,
  durationRollups,
];
