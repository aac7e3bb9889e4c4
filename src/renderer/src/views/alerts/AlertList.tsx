import { useMemo, useState } from 'react';
import type { AlertDelivery, AlertRecord, AlertRule } from '../../../../shared/model/alerts.ts';
import { useOpPages, type Paging } from '../../data/use-op.ts';
import { errorMessage } from '../../api/client.ts';
import { formatDateTime } from '../../format.ts';
import { alertLink } from './alerts-format.ts';

const PAGE = 50;
const NONE: AlertRecord[] = [];
const PAGING: Paging<'alerts.list', number> = {
  after: (before) => ({ before }),
  next: (page) => page.nextCursor,
};

const STATE_LABEL = { firing: 'Firing', resolved: 'Resolved', sent: 'Sent' } as const;

function deliveryText(d: AlertDelivery): string {
  const what = d.channel === 'webhook' ? `webhook ${d.target ?? ''}` : 'desktop';
  const state = d.state === 'sent' ? 'sent' : d.state === 'pending' ? `sending (attempt ${d.attempts + 1})` : 'delivery failed';
  return `${d.message}: ${what}, ${state}${d.detail ? ` (${d.detail})` : ''}`;
}

/** Every episode, summary and test, newest first, with what was delivered where (and why not). */
export function AlertList({ rules }: { rules: readonly AlertRule[] }) {
  const ruleById = useMemo(() => new Map(rules.map((r) => [r.id, r])), [rules]);
  const [firingOnly, setFiringOnly] = useState(false);
  const pages = useOpPages('alerts.list', { state: firingOnly ? 'firing' : 'all', limit: PAGE }, PAGING);
  const alerts = useMemo(() => pages.data?.pages.flatMap((p) => p.alerts) ?? NONE, [pages.data]);
  const open = pages.data?.pages[0]?.open ?? 0;
  return (
    <section className="panel" data-testid="alert-list">
      <div className="panel-head">
        <h2>History</h2>
        <span className="panel-note">{open ? `${open} firing` : 'None firing'}</span>
        <label className="alert-filter">
          <input type="checkbox" checked={firingOnly} onChange={(e) => setFiringOnly(e.target.checked)} /> firing only
        </label>
      </div>
      {pages.error && <div className="form-error">{errorMessage(pages.error)}</div>}
      <ul className="alert-items">
        {alerts.length === 0 && <li className="table-empty">No alert yet. Rules are evaluated while Jobdeck runs.</li>}
        {alerts.map((a) => (
          <li
            key={a.id}
            className={`alert-item alert-${a.kind === 'rule' || a.kind === 'raised' ? a.state : a.kind}`}
            data-testid={`alert-${a.id}`}
          >
            <div className="alert-item-head">
              <span className={`badge alert-badge-${a.state === 'firing' ? a.severity : 'done'}`}>
                {a.kind === 'summary' ? 'Summary' : a.kind === 'test' ? 'Test' : STATE_LABEL[a.state]}
              </span>
              <strong className="alert-title">{a.title}</strong>
              <span className="dim alert-when">
                {formatDateTime(a.startedAt)}
                {a.resolvedAt && ` → ${formatDateTime(a.resolvedAt)}`}
              </span>
            </div>
            <div className="alert-text">{a.text}</div>
            {a.state === 'firing' && a.ruleId && ruleById.has(a.ruleId) && <AlertAction rule={ruleById.get(a.ruleId)!} />}
            {(a.flaps > 0 || a.clearingUntil) && (
              <div className="dim alert-meta">
                {a.flaps > 0 && `Came back ${a.flaps} time${a.flaps === 1 ? '' : 's'} within the quiet period (not re-sent). `}
                {a.clearingUntil && `Clear now: resolves at ${formatDateTime(a.clearingUntil)} if it stays clear.`}
              </div>
            )}
            {a.deliveries.length > 0 && (
              <ul className="alert-deliveries">
                {a.deliveries.map((d) => (
                  <li key={d.id} className={d.state === 'failed' ? 'warn-text' : 'dim'}>
                    {deliveryText(d)}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
      {pages.hasNextPage && (
        <div className="pad">
          <button className="btn" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
            Older alerts
          </button>
        </div>
      )}
    </section>
  );
}

/** Where a firing alert's condition is acted on (its rule's jobs, the Stuck view...). */
function AlertAction({ rule }: { rule: AlertRule }) {
  const link = alertLink(rule);
  return (
    <a className="alert-action" href={link.href} data-testid="alert-action">
      {link.label} →
    </a>
  );
}
