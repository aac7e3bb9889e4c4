import type { AlertDelivery, AlertRecord } from '../../shared/model/alerts.ts';

const COLORS = { critical: '#d93f3c', warning: '#e8a33d', info: '#4e9af1', resolved: '#2eb67d' };

const HEADLINE: Record<AlertDelivery['message'], string> = {
  firing: 'ALERT',
  resolved: 'RESOLVED',
  summary: 'Daily summary',
  test: 'Test',
};

/**
 * The webhook body: Slack's incoming-webhook format (`text`, plus a legacy attachment whose `fields` Slack,
 * Mattermost and Rocket.Chat render as a table), and the same alert as structured data under `jobdeck` for
 * receivers that are programs.
 */
export function webhookBody(message: AlertDelivery['message'], alert: AlertRecord, connection: string | null, closed?: string) {
  // An episode its rule's removal ended: not a recovery, and said so (the condition may still hold).
  const headline = closed ? 'CLOSED' : HEADLINE[message];
  const detail = closed ? `\n${closed}` : message === 'resolved' ? '' : `\n${alert.text}`;
  const text = `[Jobdeck] ${headline}: ${alert.title}${detail}`;
  return {
    text,
    attachments: [
      {
        color: closed ? COLORS.info : message === 'resolved' ? COLORS.resolved : COLORS[alert.severity],
        title: alert.title,
        text: alert.text,
        fields: [
          ...alert.fields.map((f) => ({ title: f.title, value: f.value, short: true })),
          ...(connection ? [{ title: 'Connection', value: connection, short: true }] : []),
        ],
        ts: Math.floor(Date.parse(alert.resolvedAt ?? alert.startedAt) / 1000),
      },
    ],
    jobdeck: {
      message,
      ...(closed ? { closed } : {}),
      alert: {
        id: alert.id,
        kind: alert.kind,
        key: alert.key,
        ruleId: alert.ruleId,
        connectionId: alert.connectionId,
        connection,
        severity: alert.severity,
        state: alert.state,
        title: alert.title,
        text: alert.text,
        fields: alert.fields,
        startedAt: alert.startedAt,
        resolvedAt: alert.resolvedAt,
        flaps: alert.flaps,
      },
    },
  };
}
