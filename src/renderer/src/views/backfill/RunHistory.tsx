import type { BackfillRunRecord } from '../../../../shared/model/backfill.ts';
import { formatCount, formatDateTime } from '../../format.ts';

const TRIGGER: Record<BackfillRunRecord['trigger'], string> = { preview: 'preview', manual: 'run', schedule: 'scheduled run' };

/** The last previews and runs, newest first; a failed one shows its (bounded) error. */
export function RunHistory({ runs }: { runs: BackfillRunRecord[] }) {
  const latest = runs.slice(-20).reverse();
  return (
    <section className="panel" data-testid="backfill-history">
      <div className="panel-head">
        <h2>Run log</h2>
        <span className="panel-note">kept in Jobdeck's local file; runs are also in the audit log</span>
      </div>
      <div className="table-scroll">
        <table className="counts-table">
          <thead>
            <tr>
              {['When', 'What', 'Lacking', 'Queued now', 'Already queued', 'Failed for good', 'Skipped'].map((h, i) => (
                <th key={h} className={i < 2 ? 'name-col' : undefined}>
                  <span className="bf-th">{h}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {latest.length === 0 && (
              <tr>
                <td colSpan={7} className="table-empty">
                  Nothing yet.
                </td>
              </tr>
            )}
            {latest.map((r) =>
              r.error ? (
                <tr key={r.id}>
                  <td className="name-col">{formatDateTime(r.at)}</td>
                  <td className="name-col">{TRIGGER[r.trigger]}</td>
                  <td colSpan={5} className="bf-error-cell" title={r.error.slice(0, 1000)}>
                    failed: {r.error.slice(0, 160)}
                  </td>
                </tr>
              ) : (
                <tr key={r.id}>
                  <td className="name-col">{formatDateTime(r.at)}</td>
                  <td className="name-col">{TRIGGER[r.trigger]}</td>
                  <td className="num">{formatCount(r.missing)}</td>
                  <td className={r.enqueued ? 'num strong' : 'num zero'}>{r.trigger === 'preview' ? '—' : formatCount(r.enqueued)}</td>
                  <td className="num">{formatCount(r.queued + r.running)}</td>
                  <td className={r.failed ? 'num hot' : 'num zero'}>{formatCount(r.failed)}</td>
                  <td className={r.skipped ? 'num warm' : 'num zero'}>{formatCount(r.skipped)}</td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
