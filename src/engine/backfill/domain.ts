import { OpError } from '../../shared/contract/index.ts';
import type { BackfillRule, BackfillRuleSpec } from '../../shared/model/backfill.ts';
import type { Domain } from '../domain.ts';
import type { AuditLog, EventBus, HostedRunner, Sessions } from '../context.ts';
import type { Db } from '../store/db.ts';
import { backfillRepo } from './rules-repo.ts';
import { previewRule, runRule, type RunContext } from './run-rule.ts';
import { scheduleHooks } from './schedule.ts';

type Ops =
  | 'backfill.list'
  | 'backfill.save'
  | 'backfill.remove'
  | 'backfill.preview'
  | 'backfill.run'
  | 'backfill.runs'
  | 'backfill.export'
  | 'backfill.import';

export interface BackfillContext {
  /** This domain owns `backfill_rules` and `backfill_runs`. */
  db: Db;
  sessions: Sessions;
  audit: AuditLog;
  events: EventBus;
  /** Schedules run as the hosted runner's crontab: it reloads when they change. */
  hosted: Pick<HostedRunner, 'reload'>;
}

const scheduleOf = (rule: BackfillRule | null) => (rule?.scheduleMinutes ? `${rule.id}:${rule.scheduleMinutes}` : null);

const specOf = (rule: BackfillRule): BackfillRuleSpec & { id: string } => {
  const { connectionId: _c, createdAt: _a, updatedAt: _u, lastRun: _l, ...spec } = rule;
  return spec;
};

/** Backfill rules: find items lacking output, preview, queue them (once), on demand or on a schedule. */
export function createBackfill(ctx: BackfillContext): Domain<Ops> {
  const { sessions } = ctx;
  const repo = backfillRepo(ctx.db);
  const run: RunContext = { repo, audit: ctx.audit, events: ctx.events };

  /** Rules belong to a connection: the active one. */
  const connectionId = (): string => {
    const id = sessions.current()?.profile.id;
    if (!id) throw new OpError('not_connected', 'No database is connected: backfill rules belong to a connection');
    return id;
  };
  const ownRule = (id: string): BackfillRule => {
    const rule = repo.get(id);
    if (!rule || rule.connectionId !== connectionId()) throw new OpError('not_found', `No backfill rule ${id} on this connection`);
    return rule;
  };
  /** The runner's crontab and tasks are fixed when it starts: reload them when a schedule changes. */
  const reloadSchedules = async (before: string | null, after: string | null) => {
    if (before !== after) await ctx.hosted.reload();
  };

  return {
    name: 'backfill',
    hooks: scheduleHooks(run, sessions),
    handlers: {
      'backfill.list': () => {
        const id = sessions.current()?.profile.id;
        return id ? repo.list(id) : [];
      },
      'backfill.save': async ({ id, rule }) => {
        const connection = connectionId();
        const before = id ? ownRule(id) : null;
        const saved = repo.save(connection, rule as BackfillRuleSpec, id);
        await reloadSchedules(scheduleOf(before), scheduleOf(saved));
        return saved;
      },
      'backfill.remove': async ({ id }) => {
        const rule = ownRule(id);
        const removed = repo.remove(id);
        await reloadSchedules(scheduleOf(rule), null);
        return { removed };
      },
      'backfill.preview': ({ target, sampleSize }) => {
        const session = sessions.require();
        const rule = 'id' in target ? ownRule(target.id) : null;
        const spec = rule ?? (target as { rule: BackfillRuleSpec }).rule;
        return previewRule(run, session, { rule: spec, id: rule?.id }, sampleSize);
      },
      'backfill.run': ({ id, limit, requeueFailed, runAt, pace, keys }) => {
        const session = sessions.require();
        const release = runAt || pace ? { start: runAt ? new Date(runAt) : new Date(), perMinute: pace?.perMinute ?? null } : undefined;
        return runRule(run, session, ownRule(id), { trigger: 'manual', limit, requeueFailed, release, keys });
      },
      'backfill.runs': ({ id, minutes, limit }) => {
        const connection = sessions.current()?.profile.id;
        return connection ? repo.runs({ connectionId: connection, ruleId: id, minutes, limit }) : [];
      },
      'backfill.export': ({ ids }) => {
        const rules = repo.list(connectionId());
        const chosen = ids ? rules.filter((r) => ids.includes(r.id)) : rules;
        if (ids && chosen.length !== new Set(ids).size)
          throw new OpError('not_found', 'Some of the rules to export are not on this connection');
        return { format: 'jobdeck.backfill-rules', version: 1, exportedAt: new Date().toISOString(), rules: chosen.map(specOf) };
      },
      'backfill.import': async ({ document }) => {
        const connection = connectionId();
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
        await reloadSchedules(before, repo.scheduled(connection).map(scheduleOf).join(','));
        return { created, updated };
      },
    },
  };
}
