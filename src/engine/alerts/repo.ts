import type { Db } from '../store/db.ts';
import type {
  AlertDelivery,
  AlertField,
  AlertKind,
  AlertRecord,
  AlertRule,
  AlertSeverity,
  AlertState,
  DailySummarySettings,
} from '../../shared/model/alerts.ts';

/** The settings as kept (the webhook URL is kept apart, encrypted). */
export interface StoredSettings {
  rules: AlertRule[];
  desktop: boolean;
  quietMinutes: number;
  dailySummary: DailySummarySettings;
}

export const DEFAULT_SETTINGS: StoredSettings = {
  rules: [],
  desktop: true,
  quietMinutes: 10,
  dailySummary: { enabled: false, hourUtc: 8 },
};

/** A watched condition: pending (holding, not yet for long enough), or with an open episode, maybe clearing. */
export interface ConditionState {
  key: string;
  ruleId: string | null;
  connectionId: string | null;
  pendingSince: number | null;
  alertId: number | null;
  clearSince: number | null;
}

/** An alert as first written: the record's own fields, and when it started (unix ms). */
export type NewAlert = Pick<
  AlertRecord,
  'kind' | 'key' | 'ruleId' | 'connectionId' | 'severity' | 'title' | 'text' | 'fields' | 'state'
> & {
  at: number;
};

interface AlertRow {
  id: number;
  kind: AlertKind;
  key: string;
  rule_id: string | null;
  connection_id: string | null;
  severity: AlertSeverity;
  title: string;
  body: string;
  fields: string;
  state: AlertState;
  started_at: number;
  resolved_at: number | null;
  flaps: number;
  clear_since: number | null;
}

interface DeliveryRow {
  id: number;
  alert_id: number;
  message: AlertDelivery['message'];
  channel: AlertDelivery['channel'];
  target: string | null;
  state: AlertDelivery['state'];
  attempts: number;
  detail: string | null;
  at: number;
  finished_at: number | null;
}

interface StateRow {
  key: string;
  rule_id: string | null;
  connection_id: string | null;
  pending_since: number | null;
  alert_id: number | null;
  clear_since: number | null;
}

const toState = (r: StateRow): ConditionState => ({
  key: r.key,
  ruleId: r.rule_id,
  connectionId: r.connection_id,
  pendingSince: r.pending_since,
  alertId: r.alert_id,
  clearSince: r.clear_since,
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** History kept: episodes older than this (and not firing) are removed. */
const KEEP_MS = 90 * 86_400_000;

/** The alerts domain's tables (migration 011). */
export function alertsRepo(db: Db) {
  const toDelivery = (r: DeliveryRow): AlertDelivery => ({
    id: r.id,
    message: r.message,
    channel: r.channel,
    target: r.target,
    state: r.state,
    attempts: r.attempts,
    detail: r.detail,
    at: iso(r.at)!,
    finishedAt: iso(r.finished_at),
  });

  const deliveriesOf = (ids: number[]): Map<number, AlertDelivery[]> => {
    const byAlert = new Map<number, AlertDelivery[]>();
    if (ids.length === 0) return byAlert;
    const rows = db
      .prepare(`select * from alert_deliveries where alert_id in (select value from json_each(?)) order by id`)
      .all(JSON.stringify(ids)) as DeliveryRow[];
    for (const r of rows) {
      const list = byAlert.get(r.alert_id) ?? [];
      list.push(toDelivery(r));
      byAlert.set(r.alert_id, list);
    }
    return byAlert;
  };

  const toRecords = (rows: AlertRow[], quietMs: number): AlertRecord[] => {
    const deliveries = deliveriesOf(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      key: r.key,
      ruleId: r.rule_id,
      connectionId: r.connection_id,
      severity: r.severity,
      title: r.title,
      text: r.body,
      fields: JSON.parse(r.fields) as AlertField[],
      state: r.state,
      startedAt: iso(r.started_at)!,
      resolvedAt: iso(r.resolved_at),
      flaps: r.flaps,
      clearingUntil: r.state === 'firing' && r.clear_since !== null ? iso(r.clear_since + quietMs) : null,
      deliveries: deliveries.get(r.id) ?? [],
    }));
  };

  const selectAlerts = `select a.*, s.clear_since from alerts a left join alert_state s on s.alert_id = a.id`;

  return {
    settings(): { json: string | null; webhookBlob: Buffer | null; summaryDay: string | null; updatedAt: number | null } {
      const row = db.prepare('select settings, webhook_blob, summary_day, updated_at from alert_settings where id = 1').get() as
        { settings: string; webhook_blob: Buffer | null; summary_day: string | null; updated_at: number } | undefined;
      return {
        json: row?.settings ?? null,
        webhookBlob: row?.webhook_blob ?? null,
        summaryDay: row?.summary_day ?? null,
        updatedAt: row?.updated_at ?? null,
      };
    },
    /** `webhookBlob` undefined keeps the saved one. */
    saveSettings(settings: StoredSettings, webhookBlob: Buffer | null | undefined, at: number): void {
      db.prepare(
        `insert into alert_settings (id, settings, webhook_blob, updated_at) values (1, @s, @b, @at)
         on conflict (id) do update set settings = excluded.settings, updated_at = excluded.updated_at,
           webhook_blob = case when @keep then alert_settings.webhook_blob else excluded.webhook_blob end`,
      ).run({ s: JSON.stringify(settings), b: webhookBlob ?? null, at, keep: webhookBlob === undefined ? 1 : 0 });
    },
    setSummaryDay(day: string, at: number): void {
      db.prepare(
        `insert into alert_settings (id, settings, summary_day, updated_at) values (1, @s, @day, @at)
         on conflict (id) do update set summary_day = excluded.summary_day`,
      ).run({ s: JSON.stringify(DEFAULT_SETTINGS), day, at });
    },

    states(): ConditionState[] {
      return (db.prepare('select * from alert_state').all() as StateRow[]).map(toState);
    },
    state(key: string): ConditionState | null {
      const row = db.prepare('select * from alert_state where key = ?').get(key) as StateRow | undefined;
      return row ? toState(row) : null;
    },
    putState(s: ConditionState): void {
      db.prepare(
        `insert into alert_state (key, rule_id, connection_id, pending_since, alert_id, clear_since)
         values (@key, @ruleId, @connectionId, @pendingSince, @alertId, @clearSince)
         on conflict (key) do update set rule_id = excluded.rule_id, connection_id = excluded.connection_id,
           pending_since = excluded.pending_since, alert_id = excluded.alert_id, clear_since = excluded.clear_since`,
      ).run(s);
    },
    dropState(key: string): void {
      db.prepare('delete from alert_state where key = ?').run(key);
    },

    insertAlert(a: NewAlert): number {
      const r = db
        .prepare(
          `insert into alerts (kind, key, rule_id, connection_id, severity, title, body, fields, state, started_at)
           values (@kind, @key, @ruleId, @connectionId, @severity, @title, @text, @fields, @state, @at)`,
        )
        .run({ ...a, fields: JSON.stringify(a.fields) });
      return Number(r.lastInsertRowid);
    },
    /** Keeps an open episode's words current (its figures move while it fires). */
    updateAlert(id: number, change: { title: string; text: string; fields: AlertField[]; flap?: boolean }): void {
      db.prepare('update alerts set title = ?, body = ?, fields = ?, flaps = flaps + ? where id = ?').run(
        change.title,
        change.text,
        JSON.stringify(change.fields),
        change.flap ? 1 : 0,
        id,
      );
    },
    resolveAlert(id: number, at: number, note?: string): void {
      db.prepare(`update alerts set state = 'resolved', resolved_at = ?, body = body || coalesce(?, '') where id = ?`).run(
        at,
        note ? `\n${note}` : null,
        id,
      );
    },
    alert(id: number, quietMs: number): AlertRecord | null {
      const rows = db.prepare(`${selectAlerts} where a.id = ?`).all(id) as AlertRow[];
      return toRecords(rows, quietMs)[0] ?? null;
    },
    list(filter: { state: 'firing' | 'all'; before?: number; limit: number }, quietMs: number): AlertRecord[] {
      const rows = db
        .prepare(
          `${selectAlerts} where (@firing = 0 or a.state = 'firing') and (@before is null or a.id < @before)
           order by a.id desc limit @limit`,
        )
        .all({ firing: filter.state === 'firing' ? 1 : 0, before: filter.before ?? null, limit: filter.limit }) as AlertRow[];
      return toRecords(rows, quietMs);
    },
    openCount(): number {
      return (db.prepare(`select count(*) as n from alerts where state = 'firing'`).get() as { n: number }).n;
    },

    insertDelivery(d: {
      alertId: number;
      message: AlertDelivery['message'];
      channel: AlertDelivery['channel'];
      target: string | null;
      at: number;
    }): number {
      const r = db
        .prepare(
          `insert into alert_deliveries (alert_id, message, channel, target, state, at) values (@alertId, @message, @channel, @target, 'pending', @at)`,
        )
        .run(d);
      return Number(r.lastInsertRowid);
    },
    finishDelivery(id: number, state: 'sent' | 'failed', attempts: number, detail: string | null, at: number): void {
      db.prepare('update alert_deliveries set state = ?, attempts = ?, detail = ?, finished_at = ? where id = ?').run(
        state,
        attempts,
        detail,
        at,
        id,
      );
    },
    /** A delivery still running (attempts so far, the last failure), so the list shows progress. */
    noteAttempt(id: number, attempts: number, detail: string): void {
      db.prepare('update alert_deliveries set attempts = ?, detail = ? where id = ?').run(attempts, detail, id);
    },
    /** Deliveries a quit interrupted are not left pending for ever. */
    failPending(at: number): void {
      db.prepare(
        `update alert_deliveries set state = 'failed', detail = 'Jobdeck stopped before it was delivered', finished_at = ? where state = 'pending'`,
      ).run(at);
    },
    prune(now: number): void {
      db.prepare(`delete from alerts where state != 'firing' and started_at < ?`).run(now - KEEP_MS);
    },
  };
}

export type AlertsRepo = ReturnType<typeof alertsRepo>;
