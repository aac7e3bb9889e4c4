import type { BreakerEvent } from '../../shared/model/control.ts';
import type { AlertsDomain } from './domain.ts';

/**
 * A circuit breaker's trip opens an alert episode (delivered once, on every channel); its resume ends it (the
 * "resolved" message follows once it has stayed resumed for the quiet period, so a breaker that flaps is one episode).
 */
export function alertOnBreaker(alerts: Pick<AlertsDomain, 'raise' | 'resolve'>, event: BreakerEvent): void {
  const what = `${event.target.kind} ${event.target.name}`;
  const key = `breaker:${event.target.kind}:${event.target.name}`;
  if (event.action === 'resumed') return alerts.resolve(key);
  alerts.raise({
    key,
    title: `Circuit breaker tripped: ${what} paused`,
    text: `${event.reason}${event.resumeAt ? ` It resumes at ${event.resumeAt}.` : ''}`,
    severity: 'critical',
    fields: [
      { title: event.target.kind === 'task' ? 'Task' : 'Queue', value: event.target.name },
      ...(event.resumeAt ? [{ title: 'Resumes at', value: event.resumeAt }] : []),
    ],
  });
}
