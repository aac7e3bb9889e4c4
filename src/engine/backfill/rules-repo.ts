import { randomBytes } from 'node:crypto';
import { backfillRuleSpec } from '../../shared/contract/backfill.ts';
import type { BackfillCounts, BackfillRule, BackfillRuleSpec, BackfillRunRecord, BackfillTrigger } from '../../shared/model/backfill.ts';
import { writeTransaction, type Db } from '../store/db.ts';

interface RuleRow {
  id: string;
  connection_id: string;
  spec: string;
  created_at: number;
  updated_at: number;
}

interface RunRow extends BackfillCounts {
  id: number;
  rule_id: string;
  at: number;
  trigger: BackfillTrigger;
  enqueued: number;
  requeued: number;
  skipped: number;
  duration_ms: number;
  error: string | null;
}

/** What a preview or run logs. */
export type RunLogEntry = Omit<BackfillRunRecord, 'id' | 'at'> & { connectionId: string };

export const newRuleId = () => randomBytes(6).toString('hex');

function toRun(r: RunRow): BackfillRunRecord {
  return {
    id: r.id,
    ruleId: r.rule_id,
    at: new Date(r.at).toISOString(),
    trigger: r.trigger,
    missing: r.missing,
    fresh: r.fresh,
    queued: r.queued,
    running: r.running,
    failed: r.failed,
    invalid: r.invalid,
    enqueued: r.enqueued,
    requeued: r.requeued,
    skipped: r.skipped,
    durationMs: r.duration_ms,
    error: r.error,
  };
}

/** Backfill rules (per connection) and their run log in Jobdeck's SQLite. */
export function backfillRepo(db: Db) {
  const lastRun = db.prepare(`select * from backfill_runs where rule_id = ? and trigger != 'preview' order by id desc limit 1`);
  const toRule = (r: RuleRow): BackfillRule => {
    // Validated on the way out too: a hand-edited or older file must not hand the engine a malformed rule.
    const spec = backfillRuleSpec.parse(JSON.parse(r.spec)) as BackfillRuleSpec;
    const run = lastRun.get(r.id) as RunRow | undefined;
    return {
      ...spec,
      id: r.id,
      connectionId: r.connection_id,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
      lastRun: run ? toRun(run) : null,
    };
  };

  return {
    list(connectionId: string): BackfillRule[] {
      const rows = db.prepare('select * from backfill_rules where connection_id = ? order by name, id').all(connectionId) as RuleRow[];
      return rows.map(toRule);
    },
    get(id: string): BackfillRule | null {
      const row = db.prepare('select * from backfill_rules where id = ?').get(id) as RuleRow | undefined;
      return row ? toRule(row) : null;
    },
    /** Inserts, or updates the rule with this id; returns the saved rule. */
    save(connectionId: string, spec: BackfillRuleSpec, id: string = newRuleId()): BackfillRule {
      const now = Date.now();
      db.prepare(
        `insert into backfill_rules (id, connection_id, name, spec, schedule_minutes, created_at, updated_at)
         values (@id, @connectionId, @name, @spec, @schedule, @now, @now)
         on conflict (id) do update set name = excluded.name, spec = excluded.spec,
           schedule_minutes = excluded.schedule_minutes, updated_at = excluded.updated_at`,
      ).run({ id, connectionId, name: spec.name, spec: JSON.stringify(spec), schedule: spec.scheduleMinutes, now });
      return this.get(id)!;
    },
    remove(id: string): boolean {
      return writeTransaction(db, () => {
        db.prepare('delete from backfill_runs where rule_id = ?').run(id);
        return db.prepare('delete from backfill_rules where id = ?').run(id).changes > 0;
      })();
    },
    /** Scheduled rules of a connection: what the hosted runner's crontab holds. */
    scheduled(connectionId: string): BackfillRule[] {
      const rows = db
        .prepare('select * from backfill_rules where connection_id = ? and schedule_minutes is not null order by id')
        .all(connectionId) as RuleRow[];
      return rows.map(toRule);
    },
    logRun(entry: RunLogEntry): BackfillRunRecord {
      const info = db
        .prepare(
          `insert into backfill_runs (connection_id, rule_id, at, trigger, missing, fresh, queued, running, failed, invalid,
             enqueued, requeued, skipped, duration_ms, error)
           values (@connectionId, @ruleId, @at, @trigger, @missing, @fresh, @queued, @running, @failed, @invalid,
             @enqueued, @requeued, @skipped, @durationMs, @error)`,
        )
        .run({ ...entry, at: Date.now() });
      return toRun(db.prepare('select * from backfill_runs where id = ?').get(info.lastInsertRowid) as RunRow);
    },
    /** Oldest first, so the chart can draw them as they come. */
    runs(options: { connectionId: string; ruleId?: string; minutes: number; limit: number }): BackfillRunRecord[] {
      const rows = db
        .prepare(
          `select * from (select * from backfill_runs
             where connection_id = @connectionId and (@ruleId is null or rule_id = @ruleId) and at >= @since
             order by id desc limit @limit) order by id`,
        )
        .all({
          connectionId: options.connectionId,
          ruleId: options.ruleId ?? null,
          since: Date.now() - options.minutes * 60_000,
          limit: options.limit,
        }) as RunRow[];
      return rows.map(toRun);
    },
  };
}
export type BackfillRepo = ReturnType<typeof backfillRepo>;
