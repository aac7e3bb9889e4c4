import type { EngineCore } from '../core.ts';
import type { RecoveryReport } from '../../shared/model/stuck.ts';

const reports = new WeakMap<EngineCore, RecoveryReport>();

/** The latest recovery of this engine (start-up or operator), or null before any. */
export function lastRecovery(core: EngineCore): RecoveryReport | null {
  return reports.get(core) ?? null;
}

export function rememberRecovery(core: EngineCore, report: RecoveryReport): void {
  reports.set(core, report);
}
