/**
 * Alerts (issue 14.5): rules the engine evaluates while Jobdeck runs, episodes kept in SQLite, delivered in the
 * app, as desktop notifications and to a Slack-compatible webhook.
 */

/** The kinds of rule, each reading what the engine already computes (see README, Alerts). */
export const ALERT_RULE_KINDS = ['backlog', 'oldest_due', 'failure_rate', 'stuck', 'no_worker', 'worker_gone', 'daily_spend'] as const;
export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number];

interface RuleBase {
  id: string;
  enabled: boolean;
  /** The operator's own name for it; the title is generated otherwise. */
  name?: string;
}

/** Waiting jobs (ready, plus waiting to retry) of a task, a queue, or all, above `above` for `forMinutes`. */
export interface BacklogRule extends RuleBase {
  kind: 'backlog';
  task?: string;
  queue?: string;
  above: number;
  /** 0: as soon as it is seen above. */
  forMinutes: number;
}

/** A task's oldest due job has waited longer than this (every task, or one). */
export interface OldestDueRule extends RuleBase {
  kind: 'oldest_due';
  task?: string;
  olderThanMinutes: number;
}

/** Failed attempts (or, with `errorType`, those of one type) above this share of all attempts over the window. */
export interface FailureRateRule extends RuleBase {
  kind: 'failure_rate';
  task?: string;
  errorType?: string;
  abovePercent: number;
  windowMinutes: number;
  /** Fewer attempts than this in the window judge nothing (one failure of one attempt is not a 100% rate). */
  minAttempts: number;
}

/** At least this many jobs locked too long or held by a pool that is gone (the Stuck view's judgement). */
export interface StuckRule extends RuleBase {
  kind: 'stuck';
  atLeast: number;
}

/** A task has due jobs and probably no running worker supports it (the Stuck view's "no worker"). */
export interface NoWorkerRule extends RuleBase {
  kind: 'no_worker';
  task?: string;
}

/** A worker that reported through the companion stopped heartbeating without saying it stopped. */
export interface WorkerGoneRule extends RuleBase {
  kind: 'worker_gone';
}

/** LLM spend of the current UTC day (the Usage view's figures) above a budget. */
export interface DailySpendRule extends RuleBase {
  kind: 'daily_spend';
  budgetUsd: number;
}

export type AlertRule = BacklogRule | OldestDueRule | FailureRateRule | StuckRule | NoWorkerRule | WorkerGoneRule | DailySpendRule;

export interface DailySummarySettings {
  enabled: boolean;
  /** Sent at the first evaluation at or after this hour (UTC), once a day. */
  hourUtc: number;
}

/** What `alerts.rules.get` answers. */
export interface AlertSettings {
  rules: AlertRule[];
  /** The webhook, shown with its secret part hidden; null: none. */
  webhook: { display: string; storage: 'encrypted' | 'memory' } | null;
  /** Desktop notifications (the desktop app only). */
  desktop: boolean;
  /** A condition that clears and comes back within this many minutes stays one episode; resolved only after it. */
  quietMinutes: number;
  dailySummary: DailySummarySettings;
  /** How often the engine evaluates the rules while Jobdeck runs. */
  evaluateEveryMs: number;
  updatedAt: string | null;
}

export type AlertKind = 'rule' | 'raised' | 'summary' | 'test';
export type AlertState = 'firing' | 'resolved' | 'sent';
export type AlertSeverity = 'warning' | 'critical' | 'info';

/** One structured field of an alert (also sent as a Slack attachment field). */
export interface AlertField {
  title: string;
  value: string;
}

/** One delivery of one message of an alert to one channel. */
export interface AlertDelivery {
  id: number;
  /** Which message: the episode's start, its end, a summary, a test. */
  message: 'firing' | 'resolved' | 'summary' | 'test';
  channel: 'webhook' | 'desktop';
  /** The webhook's origin (its secret path is never kept here). */
  target: string | null;
  state: 'pending' | 'sent' | 'failed';
  attempts: number;
  /** Why it failed (the last attempt's reason), or the HTTP status it got. */
  detail: string | null;
  at: string;
  finishedAt: string | null;
}

/** One alert episode (or summary, or test message), as kept in SQLite. */
export interface AlertRecord {
  id: number;
  kind: AlertKind;
  key: string;
  ruleId: string | null;
  connectionId: string | null;
  severity: AlertSeverity;
  title: string;
  text: string;
  fields: AlertField[];
  state: AlertState;
  startedAt: string;
  resolvedAt: string | null;
  /** Times the condition cleared and came back within the quiet period (kept as this one episode). */
  flaps: number;
  /** The condition has cleared; the episode resolves if it stays clear until this time. */
  clearingUntil: string | null;
  deliveries: AlertDelivery[];
}

export interface AlertList {
  alerts: AlertRecord[];
  /** Episodes firing now (every connection). */
  open: number;
  nextCursor: number | null;
}

export interface AlertTestResult {
  channel: 'webhook' | 'desktop';
  alertId: number;
  delivered: boolean;
  attempts: number;
  detail: string | null;
}
