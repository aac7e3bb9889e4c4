import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OpError } from '../../shared/contract/index.ts';
import { alertRuleSchema } from '../../shared/contract/alerts.ts';
import type {
  AlertDelivery,
  AlertField,
  AlertRecord,
  AlertRule,
  AlertSettings,
  AlertSeverity,
  AlertTestResult,
} from '../../shared/model/alerts.ts';
import type { OpParsed } from '../../shared/contract/index.ts';
import type { Domain } from '../domain.ts';
import type { EventBus, LogFn } from '../context.ts';
import type { Db } from '../store/db.ts';
import type { SecretStore } from '../secrets.ts';
import { alertsRepo, DEFAULT_SETTINGS, type ConditionState, type StoredSettings } from './repo.ts';
import { evaluateRule, holdForMs, memoSources, type Finding } from './rules.ts';
import type { AlertSources } from './sources.ts';
import { DEFAULT_RETRY, deliverWebhook, type RetryPolicy } from './deliver.ts';
import { checkWebhookUrl, redactWebhook, WebhookUrlError } from './webhook-url.ts';
import { webhookBody } from './message.ts';
import { dailySummary } from './summary.ts';
import { utcDay } from './format.ts';

type Ops = 'alerts.rules.get' | 'alerts.rules.set' | 'alerts.list' | 'alerts.test';

export interface AlertsOptions {
  /** How often the rules are evaluated while Jobdeck runs (default 30 s). */
  evaluateEveryMs?: number;
  /** The evaluation clock (tests move it instead of waiting minutes). */
  now?: () => number;
  /** Webhook timeout per attempt and pauses between attempts. */
  retry?: RetryPolicy;
}

export interface AlertsContext extends AlertsOptions {
  db: Db;
  log: LogFn;
  events: EventBus;
  mode: 'electron' | 'web';
  /** Encrypts the webhook URL at rest; without one (web mode) it is kept in memory only. */
  secrets?: SecretStore;
  sources: AlertSources;
}

/** An alert raised by another domain (the circuit breaker's trips): one episode per key until resolved. */
export interface RaisedAlert {
  key: string;
  title: string;
  text: string;
  severity?: AlertSeverity;
  fields?: AlertField[];
  connectionId?: string | null;
}

export interface AlertsDomain extends Domain<Ops> {
  /** Opens an episode for `key` (or keeps the open one, with these words) and delivers it once. */
  raise(alert: RaisedAlert): void;
  /** The condition of `key` is over: its episode resolves once it stays over for the quiet period. */
  resolve(key: string): void;
  /** Evaluates every rule and the daily summary now (the timer does this every `evaluateEveryMs`). */
  evaluateNow(): Promise<void>;
  /** Resolves when every delivery started so far has finished (tests). */
  settled(): Promise<void>;
}

const storedSchema = z.object({
  rules: z.array(alertRuleSchema.and(z.object({ id: z.string() }))),
  desktop: z.boolean(),
  quietMinutes: z.number().int().min(1),
  dailySummary: z.object({ enabled: z.boolean(), hourUtc: z.number().int().min(0).max(23) }),
});

const RAISED = 'raised|';
const ruleKey = (connectionId: string, ruleId: string, subject: string) => `rule|${connectionId}|${ruleId}|${subject}`;

/**
 * Alerts: rules evaluated on a timer while Jobdeck runs, one episode per condition (opened once, resolved once it
 * has stayed clear for the quiet period, so a flapping condition is one episode), kept in SQLite with every
 * delivery; delivered to the app's list, as an `alert` event (desktop notifications) and to a webhook, never
 * blocking: a webhook is posted in the background with a bounded timeout and retries, and its outcome recorded.
 */
/** Why an episode ended when its rule went: said in the list and to the channels. */
const CLOSED_NOTE = 'Closed: its rule was removed or turned off (not judged resolved)';

export function createAlerts(ctx: AlertsContext): AlertsDomain {
  const repo = alertsRepo(ctx.db);
  const now = ctx.now ?? Date.now;
  const everyMs = ctx.evaluateEveryMs ?? 30_000;
  const retry = ctx.retry ?? DEFAULT_RETRY;
  const inFlight = new Set<Promise<void>>();
  const abort = new AbortController();
  let memoryWebhook: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let evaluating: Promise<void> | null = null;
  let again: Promise<void> | null = null;
  let stopped = false;

  const settings = (): StoredSettings => {
    const { json } = repo.settings();
    if (!json) return DEFAULT_SETTINGS;
    // Checked with the contract's own schema: a file edited by hand or by a newer Jobdeck never feeds a bad rule.
    const parsed = storedSchema.safeParse(
      (() => {
        try {
          return JSON.parse(json) as unknown;
        } catch {
          return null;
        }
      })(),
    );
    if (parsed.success) return parsed.data;
    ctx.log('warn', `alerts: the saved settings are unreadable, using the defaults: ${parsed.error.message}`);
    return DEFAULT_SETTINGS;
  };
  const quietMs = () => settings().quietMinutes * 60_000;

  const webhookUrl = (): string | null => {
    const { webhookBlob } = repo.settings();
    if (webhookBlob && ctx.secrets?.available()) {
      try {
        return ctx.secrets.decrypt(webhookBlob);
      } catch (error) {
        ctx.log('warn', `alerts: the saved webhook cannot be decrypted: ${(error as Error).message}`);
        return null;
      }
    }
    return memoryWebhook;
  };

  const view = (): AlertSettings => {
    const s = settings();
    const url = webhookUrl();
    let display: string | null = null;
    if (url) {
      try {
        display = redactWebhook(new URL(url));
      } catch {
        display = '(unreadable)';
      }
    }
    return {
      rules: s.rules,
      webhook: display ? { display, storage: repo.settings().webhookBlob ? 'encrypted' : 'memory' } : null,
      desktop: s.desktop,
      quietMinutes: s.quietMinutes,
      dailySummary: s.dailySummary,
      evaluateEveryMs: everyMs,
      updatedAt: repo.settings().updatedAt === null ? null : new Date(repo.settings().updatedAt!).toISOString(),
    };
  };

  /** Posts one message of an alert to the webhook in the background; the outcome lands in its delivery row. */
  const post = (
    message: AlertDelivery['message'],
    alertId: number,
    url: string,
    closed?: string,
  ): Promise<{ delivered: boolean; attempts: number; detail: string }> => {
    let target: string | null;
    try {
      target = redactWebhook(new URL(url));
    } catch {
      target = null;
    }
    const deliveryId = repo.insertDelivery({ alertId, message, channel: 'webhook', target, at: now() });
    const record = repo.alert(alertId, quietMs())!;
    const body = webhookBody(message, record, ctx.sources.active()?.label ?? null, closed);
    const run = deliverWebhook(url, body, retry, abort.signal, (attempt, detail) => {
      if (!stopped) repo.noteAttempt(deliveryId, attempt, detail);
    }).then((outcome) => {
      if (stopped) return outcome;
      repo.finishDelivery(deliveryId, outcome.delivered ? 'sent' : 'failed', outcome.attempts, outcome.detail, now());
      if (!outcome.delivered) ctx.log('warn', `alerts: webhook delivery of alert ${alertId} failed: ${outcome.detail}`);
      const updated = repo.alert(alertId, quietMs());
      if (updated) ctx.events.emit({ type: 'alert', message, alert: updated, notify: false });
      return outcome;
    });
    const tracked = run.then(() => undefined);
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
    return run;
  };

  /** Tells every window (and the desktop shell) and posts to the webhook when there is one. */
  /** `closed`: the episode ended because its rule went, not because its condition cleared (said as such). */
  const send = (message: AlertDelivery['message'], alertId: number, closed?: string): void => {
    const s = settings();
    const record = repo.alert(alertId, quietMs());
    if (!record) return;
    // The desktop shell shows what it is told to; only the desktop app has one to tell. A closed episode is not
    // news for the desktop (it would read "Resolved:"): the list says it, and the webhook that heard ALERT is told.
    const desktop = s.desktop && ctx.mode === 'electron' && !closed;
    if (desktop) {
      const id = repo.insertDelivery({ alertId, message, channel: 'desktop', target: null, at: now() });
      repo.finishDelivery(id, 'sent', 1, 'handed to the desktop notification centre', now());
    }
    ctx.events.emit({ type: 'alert', message, alert: desktop ? repo.alert(alertId, quietMs())! : record, notify: desktop });
    const url = webhookUrl();
    if (url) void post(message, alertId, url, closed);
  };

  /** One condition seen holding (`finding`) or not (null): opens, keeps, starts clearing or resolves its episode. */
  const observe = (
    key: string,
    meta: { ruleId: string | null; connectionId: string | null; kind: 'rule' | 'raised' },
    finding: Omit<Finding, 'subject'> | null,
    forMs: number,
    at: number,
  ): void => {
    const s: ConditionState = repo.state(key) ?? {
      key,
      ruleId: meta.ruleId,
      connectionId: meta.connectionId,
      pendingSince: null,
      alertId: null,
      clearSince: null,
    };
    if (finding) {
      if (s.alertId !== null) {
        repo.updateAlert(s.alertId, { title: finding.title, text: finding.text, fields: finding.fields, flap: s.clearSince !== null });
        if (s.clearSince !== null) repo.putState({ ...s, clearSince: null });
        return;
      }
      const since = s.pendingSince ?? at;
      if (at - since < forMs) {
        if (s.pendingSince === null) repo.putState({ ...s, pendingSince: since });
        return;
      }
      const alertId = repo.insertAlert({
        kind: meta.kind,
        key,
        ruleId: meta.ruleId,
        connectionId: meta.connectionId,
        severity: finding.severity,
        title: finding.title,
        text: finding.text,
        fields: finding.fields,
        state: 'firing',
        at,
      });
      repo.putState({ ...s, pendingSince: null, alertId, clearSince: null });
      send('firing', alertId);
      return;
    }
    if (s.alertId === null) {
      if (repo.state(key)) repo.dropState(key);
      return;
    }
    const clearSince = s.clearSince ?? at;
    if (at - clearSince >= quietMs()) {
      repo.resolveAlert(s.alertId, at);
      repo.dropState(key);
      send('resolved', s.alertId);
    } else if (s.clearSince === null) {
      repo.putState({ ...s, clearSince });
    }
  };

  /**
   * Ends the episodes of rules that were removed or turned off, and tells the channels so (as closed, not resolved:
   * the condition may still hold). Without it, the channel that heard "ALERT" would show it open forever.
   */
  const closeOrphans = (rules: AlertRule[], at: number): void => {
    const live = new Set(rules.filter((r) => r.enabled).map((r) => r.id));
    for (const s of repo.states()) {
      if (s.ruleId === null || live.has(s.ruleId)) continue;
      if (s.alertId !== null) {
        repo.resolveAlert(s.alertId, at, `${CLOSED_NOTE}.`);
        send('resolved', s.alertId, CLOSED_NOTE);
      }
      repo.dropState(s.key);
    }
  };

  const evaluateRules = async (at: number): Promise<void> => {
    const s = settings();
    closeOrphans(s.rules, at);
    const active = ctx.sources.active();
    if (!active) return; // Not connected: nothing is judged, nothing resolves for want of figures.
    const sources = memoSources(ctx.sources);
    const states = repo.states();
    for (const rule of s.rules) {
      if (!rule.enabled) continue;
      let findings: Finding[];
      try {
        findings = await evaluateRule(rule, sources, at);
      } catch (error) {
        ctx.log('debug', `alerts: rule ${rule.id} (${rule.kind}) not judged: ${(error as Error).message}`);
        continue;
      }
      if (stopped) return;
      // Judging a rule awaits Postgres: if the operator removed or turned it off meanwhile, its finding is stale and
      // must not open an episode after its removal closed them (nor be posted to a webhook set since).
      if (!settings().rules.some((r) => r.id === rule.id && r.enabled)) continue;
      const meta = { ruleId: rule.id, connectionId: active.id, kind: 'rule' as const };
      const seen = new Set<string>();
      for (const f of findings) {
        const key = ruleKey(active.id, rule.id, f.subject);
        seen.add(key);
        observe(key, meta, f, holdForMs(rule), at);
      }
      for (const st of states) {
        if (st.ruleId === rule.id && st.connectionId === active.id && !seen.has(st.key)) observe(st.key, meta, null, 0, at);
      }
    }
  };

  /** Raised alerts whose condition is over resolve once the quiet period has passed. */
  const settleRaised = (at: number): void => {
    for (const s of repo.states()) {
      if (s.key.startsWith(RAISED) && s.clearSince !== null)
        observe(s.key, { ruleId: null, connectionId: s.connectionId, kind: 'raised' }, null, 0, at);
    }
  };

  const maybeSummary = async (at: number): Promise<void> => {
    const { dailySummary: config } = settings();
    const day = utcDay(at);
    if (!config.enabled || new Date(at).getUTCHours() < config.hourUtc || repo.settings().summaryDay === day) return;
    repo.setSummaryDay(day, at);
    const summary = await dailySummary(ctx.sources, at);
    if (stopped) return;
    const alertId = repo.insertAlert({
      kind: 'summary',
      key: `summary|${day}`,
      ruleId: null,
      connectionId: ctx.sources.active()?.id ?? null,
      severity: 'info',
      state: 'sent',
      at,
      ...summary,
    });
    send('summary', alertId);
  };

  const evaluateNow = (): Promise<void> => {
    // One under way read its figures before this call: another follows it (one, for every call made meanwhile), so an
    // evaluation asked for now judges the tables as they are now. Joining it ended a test's evaluation before its change.
    if (evaluating) {
      again ??= evaluating.then(() => {
        again = null;
        return evaluateNow();
      });
      return again;
    }
    const at = now();
    evaluating = (async () => {
      try {
        await evaluateRules(at);
        if (!stopped) settleRaised(at);
        if (!stopped) await maybeSummary(at);
        if (!stopped) repo.prune(at);
      } catch (error) {
        ctx.log('warn', `alerts: evaluation failed: ${(error as Error).message}`);
      } finally {
        evaluating = null;
      }
    })();
    return evaluating;
  };

  /** Evaluations every `everyMs`, one after the other (a slow one delays the next rather than overlapping it). */
  const startTimer = (): void => {
    if (timer || stopped) return;
    const tick = () => {
      void evaluateNow().finally(() => {
        if (!stopped) timer = setTimeout(tick, everyMs);
        timer?.unref();
      });
    };
    timer = setTimeout(tick, Math.min(everyMs, 1_000));
    timer.unref();
  };

  const setRules = async (input: OpParsed<'alerts.rules.set'>): Promise<AlertSettings> => {
    let blob: Buffer | null | undefined;
    let memory = memoryWebhook;
    if (input.webhookUrl === null) {
      blob = null;
      memory = null;
    } else if (input.webhookUrl !== undefined) {
      try {
        await checkWebhookUrl(input.webhookUrl);
      } catch (error) {
        if (error instanceof WebhookUrlError)
          throw new OpError('invalid_input', `The webhook URL is refused: ${error.message}`, { field: 'webhookUrl' });
        throw error;
      }
      if (ctx.secrets?.available()) {
        blob = ctx.secrets.encrypt(input.webhookUrl);
        memory = null;
      } else {
        blob = null;
        memory = input.webhookUrl;
      }
    }
    const unknownType = input.rules.find((r) => r.kind === 'failure_rate' && r.errorType !== undefined);
    if (unknownType) {
      const known = await ctx.sources.errorTypes();
      for (const r of input.rules) {
        if (r.kind === 'failure_rate' && r.errorType !== undefined && !known.includes(r.errorType)) {
          throw new OpError('invalid_input', `Unknown error type "${r.errorType}": one of ${known.join(', ')}`, { field: 'errorType' });
        }
      }
    }
    const ids = new Set<string>();
    const rules = input.rules.map((r) => {
      const id = r.id ?? `r${randomUUID().replaceAll('-', '').slice(0, 10)}`;
      if (ids.has(id)) throw new OpError('invalid_input', `Two rules have the id ${id}`, { field: 'rules' });
      ids.add(id);
      return { ...r, id };
    });
    const at = now();
    repo.saveSettings({ rules, desktop: input.desktop, quietMinutes: input.quietMinutes, dailySummary: input.dailySummary }, blob, at);
    memoryWebhook = memory;
    closeOrphans(rules, at);
    return view();
  };

  const test = async ({ channel, url }: OpParsed<'alerts.test'>): Promise<AlertTestResult> => {
    const target = channel === 'webhook' ? (url ?? webhookUrl()) : null;
    if (channel === 'webhook') {
      if (!target) throw new OpError('invalid_input', 'No webhook is saved: give a URL to try');
      try {
        await checkWebhookUrl(target);
      } catch (error) {
        if (error instanceof WebhookUrlError)
          throw new OpError('invalid_input', `The webhook URL is refused: ${error.message}`, { field: 'url' });
        throw error;
      }
    }
    const at = now();
    const alertId = repo.insertAlert({
      kind: 'test',
      key: `test|${channel}`,
      ruleId: null,
      connectionId: ctx.sources.active()?.id ?? null,
      severity: 'info',
      title: 'Test message from Jobdeck',
      text: `If you read this, Jobdeck's alerts reach this ${channel === 'webhook' ? 'webhook' : 'desktop'}.`,
      fields: [{ title: 'Sent at', value: new Date(at).toISOString() }],
      state: 'sent',
      at,
    });
    const record = repo.alert(alertId, quietMs())!;
    if (channel === 'desktop') {
      ctx.events.emit({ type: 'alert', message: 'test', alert: record, notify: true });
      const desktop = ctx.mode === 'electron';
      return {
        channel,
        alertId,
        delivered: desktop,
        attempts: desktop ? 1 : 0,
        detail: desktop
          ? 'Handed to the desktop notification centre'
          : 'Desktop notifications exist only in the desktop app; this console runs in a browser',
      };
    }
    ctx.events.emit({ type: 'alert', message: 'test', alert: record, notify: false });
    const outcome = await post('test', alertId, target as string);
    return { channel, alertId, delivered: outcome.delivered, attempts: outcome.attempts, detail: outcome.detail };
  };

  return {
    name: 'alerts',
    handlers: {
      'alerts.rules.get': () => view(),
      'alerts.rules.set': setRules,
      'alerts.list': (input) => {
        const q = quietMs();
        const alerts: AlertRecord[] = repo.list(input, q);
        return { alerts, open: repo.openCount(), nextCursor: alerts.length === input.limit ? alerts[alerts.length - 1].id : null };
      },
      'alerts.test': test,
    },
    raise(alert) {
      if (stopped) return;
      startTimer(); // its resolution is settled by the evaluations
      const fields = alert.fields ?? [];
      observe(
        `${RAISED}${alert.key}`,
        { ruleId: null, connectionId: alert.connectionId ?? ctx.sources.active()?.id ?? null, kind: 'raised' },
        { severity: alert.severity ?? 'warning', title: alert.title, text: alert.text, fields },
        0,
        now(),
      );
    },
    resolve(key) {
      if (stopped) return;
      const s = repo.state(`${RAISED}${key}`);
      if (s?.alertId != null && s.clearSince === null) repo.putState({ ...s, clearSince: now() });
    },
    evaluateNow,
    async settled() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
    hooks: {
      onSessionOpen: startTimer,
      async stop() {
        stopped = true;
        if (timer) clearTimeout(timer);
        timer = null;
        abort.abort();
        await evaluating?.catch(() => {});
        await Promise.allSettled([...inFlight]);
        repo.failPending(now());
      },
    },
  };
}
