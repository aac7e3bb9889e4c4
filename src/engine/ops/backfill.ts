import { OpError } from '../../shared/contract/index.ts';
import type { BackfillRule, BackfillRuleSpec } from '../../shared/model/backfill.ts';
import type { EngineCore } from '../core.ts';
import { backfillContext } from '../backfill/feature.ts';
import { previewRule, runRule } from '../backfill/run-rule.ts';
import type { HandlersOf } from './types.ts';

type Ops =
  | 'backfill.list'
  | 'backfill.save'
  | 'backfill.remove'
  | 'backfill.preview'
  | 'backfill.run'
  | 'backfill.runs'
  | 'backfill.export'
  | 'backfill.import';

/** Rules belong to a connection: the active one. */
function connectionId(core: EngineCore): string {
  const id = core.session?.profile.id;
  if (!id) throw new OpError('not_connected', 'No database is connected: backfill rules belong to a connection');
  return id;
}

function ownRule(core: EngineCore, id: string): BackfillRule {
  const rule = backfillContext(core).repo.get(id);
  if (!rule || rule.connectionId !== connectionId(core)) throw new OpError('not_found', `No backfill rule ${id} on this connection`);
  return rule;
}

const scheduleOf = (rule: BackfillRule | null) => (rule ? `${rule.id}:${rule.scheduleMinutes}` : null);

/** The runner's crontab and tasks are fixed when it starts: reload them when a schedule changes. */
async function reloadSchedules(core: EngineCore, before: string | null, after: string | null): Promise<void> {
  if (before === after || core.runner.host === null) return;
  await core.runner.restart();
}

const specOf = (rule: BackfillRule): BackfillRuleSpec & { id: string } => {
  const { connectionId: _c, createdAt: _a, updatedAt: _u, lastRun: _l, ...spec } = rule;
  return spec;
};

export const backfillHandlers: HandlersOf<Ops> = {
  'backfill.list': (_input, core) => {
    const id = core.session?.profile.id;
    return id ? backfillContext(core).repo.list(id) : [];
  },

  'backfill.save': async ({ id, rule }, core) => {
    const connection = connectionId(core);
    const before = id ? ownRule(core, id) : null;
    const saved = backfillContext(core).repo.save(connection, rule as BackfillRuleSpec, id);
    await reloadSchedules(core, before?.scheduleMinutes ? scheduleOf(before) : null, saved.scheduleMinutes ? scheduleOf(saved) : null);
    return saved;
  },

  'backfill.remove': async ({ id }, core) => {
    const rule = ownRule(core, id);
    const removed = backfillContext(core).repo.remove(id);
    await reloadSchedules(core, rule.scheduleMinutes ? scheduleOf(rule) : null, null);
    return { removed };
  },

  'backfill.preview': ({ target, sampleSize }, core) => {
    const session = core.requireSession();
    const rule = 'id' in target ? ownRule(core, target.id) : null;
    const spec = rule ?? (target as { rule: BackfillRuleSpec }).rule;
    return previewRule(backfillContext(core), session, { rule: spec, id: rule?.id }, sampleSize);
  },

  'backfill.run': ({ id, limit, requeueFailed }, core) => {
    const session = core.requireSession();
    return runRule(backfillContext(core), session, ownRule(core, id), { trigger: 'manual', limit, requeueFailed });
  },

  'backfill.runs': ({ id, minutes, limit }, core) => {
    const connection = core.session?.profile.id;
    if (!connection) return [];
    return backfillContext(core).repo.runs({ connectionId: connection, ruleId: id, minutes, limit });
  },

  'backfill.export': ({ ids }, core) => {
    const rules = backfillContext(core).repo.list(connectionId(core));
    const chosen = ids ? rules.filter((r) => ids.includes(r.id)) : rules;
    if (ids && chosen.length !== new Set(ids).size) throw new OpError('not_found', 'Some of the rules to export are not on this connection');
    return { format: 'jobdeck.backfill-rules', version: 1, exportedAt: new Date().toISOString(), rules: chosen.map(specOf) };
  },

  'backfill.import': async ({ document }, core) => {
    const connection = connectionId(core);
    const { repo } = backfillContext(core);
    const before = repo.scheduled(connection).map(scheduleOf).join(',');
    let created = 0;
    let updated = 0;
    for (const { id, ...spec } of document.rules) {
      const existing = id ? repo.get(id) : null;
      // A known id of this connection is an update; an id used by another connection is not ours to take.
      const keepId = id && (!existing || existing.connectionId === connection) ? id : undefined;
      repo.save(connection, spec as BackfillRuleSpec, keepId);
      if (existing && keepId) updated++;
      else created++;
    }
    await reloadSchedules(core, before, repo.scheduled(connection).map(scheduleOf).join(','));
    return { created, updated };
  },
};
