import type { TroubleItem, TroubleSummary } from '../../../shared/model/overview.ts';
import { href } from '../router.ts';
import { formatCount } from '../format.ts';
import { kindLabel } from './trouble-labels.ts';
import './trouble.css';

function Item({ item }: { item: TroubleItem }) {
  return (
    <li>
      <a
        className={`trouble-item trouble-${item.severity}`}
        href={href(item.link.path, item.link.params)}
        data-testid={`trouble-${item.kind}${item.subject ? `-${item.subject}` : ''}`}
        data-kind={item.kind}
        title={`${item.title}\n${item.detail}`}
      >
        <span className="trouble-count num">{formatCount(item.count)}</span>
        <span className="trouble-text">
          <span className="trouble-kind">{kindLabel(item)}</span>
          <span className="trouble-title">{item.title}</span>
          <span className="trouble-detail">{item.detail}</span>
        </span>
      </a>
    </li>
  );
}

/**
 * Above the counts: what needs attention now (stuck jobs, jobs of gone workers, tasks nobody runs, blocked
 * queues, a failure spike, jobs out of attempts, pauses), each with its count and a link to what it counts. One quiet line when all
 * is well.
 */
export function TroublePanel({ trouble }: { trouble: TroubleSummary | null | undefined }) {
  if (!trouble) {
    return (
      <section className="trouble-panel trouble-pending" data-testid="trouble-panel" aria-label="Needs attention">
        <span className="dim">Looking for stuck jobs, gone workers and failure spikes…</span>
      </section>
    );
  }
  const problems = trouble.items.filter((i) => i.severity !== 'info').length;
  return (
    <section className="trouble-panel" data-testid="trouble-panel" aria-label="Needs attention" data-problems={problems}>
      {trouble.items.length === 0 ? (
        <p className="trouble-clear" data-testid="trouble-clear">
          <span className="trouble-ok" aria-hidden="true">
            ✓
          </span>{' '}
          Nothing needs attention: no stuck job, no gone worker holding jobs, no task without a worker, no blocked queue, no failure spike,
          no job out of attempts, nothing paused.
        </p>
      ) : (
        <>
          <h2 className="trouble-head">Needs attention</h2>
          <ul className="trouble-list">
            {trouble.items.map((item) => (
              <Item key={`${item.kind}:${item.subject ?? ''}`} item={item} />
            ))}
          </ul>
        </>
      )}
      {trouble.errors.length > 0 && (
        <p className="trouble-errors dim" data-testid="trouble-errors">
          Not checked: {trouble.errors.join('; ')}
        </p>
      )}
    </section>
  );
}
