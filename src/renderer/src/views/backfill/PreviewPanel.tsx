import { useEffect, useRef } from 'react';
import type { BackfillCounts, BackfillItemState, BackfillPreview } from '../../../../shared/model/backfill.ts';
import { formatCount } from '../../format.ts';

const STATE_LABEL: Record<BackfillItemState, string> = {
  none: 'no job yet',
  queued: 'queued',
  running: 'running',
  failed: 'failed for good',
  invalid: 'job key too long',
};

/** Keys come from the operator's tables: shown as text, bounded. */
const bounded = (key: string) => (key.length > 120 ? `${key.slice(0, 120)}…` : key);

/** The four figures every preview and run is about. */
export function BacklogFigures({ counts, testId, enqueued }: { counts: BackfillCounts; testId: string; enqueued?: number }) {
  // After a run, the second figure is what it queued; before, what a run would queue.
  const second =
    enqueued === undefined
      ? { key: 'fresh', label: 'No job yet', value: counts.fresh, tone: counts.fresh ? 'accent' : 'zero', hint: 'a run queues these' }
      : {
          key: 'enqueued',
          label: 'Queued now',
          value: enqueued,
          tone: enqueued ? 'accent' : 'zero',
          hint: `${formatCount(Math.max(0, counts.fresh - enqueued))} still without a job`,
        };
  const figures = [
    { key: 'missing', label: 'Lack output', value: counts.missing, tone: counts.missing ? 'warn' : 'ok', hint: 'rows the query returned' },
    second,
    {
      key: 'queued',
      label: 'Already queued',
      value: counts.queued + counts.running,
      tone: 'zero',
      hint: `${formatCount(counts.running)} running now`,
    },
    {
      key: 'failed',
      label: 'Failed for good',
      value: counts.failed,
      tone: counts.failed ? 'danger' : 'zero',
      hint: 'requeued only when asked',
    },
  ];
  return (
    <div className="bf-figures" data-testid={testId}>
      {figures.map((f) => (
        <div key={f.key} className={`bf-figure tone-${f.tone}`} data-testid={`${testId}-${f.key}`}>
          <span className="bf-figure-label">{f.label}</span>
          <span className="bf-figure-value num">{formatCount(f.value)}</span>
          <span className="bf-figure-hint">{f.hint}</span>
        </div>
      ))}
    </div>
  );
}

/** What a preview found: the figures and the first items a run would take. */
export function PreviewPanel({ preview }: { preview: BackfillPreview }) {
  const ref = useRef<HTMLElement>(null);
  // The answer to a click on Preview: bring it into view below the (long) editor.
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [preview]);
  return (
    <section className="panel" data-testid="backfill-preview" ref={ref}>
      <div className="panel-head">
        <h2>Preview</h2>
        <span className="panel-note">read-only query · {formatCount(preview.queryMs)} ms · nothing was queued</span>
      </div>
      <div className="pad">
        <BacklogFigures counts={preview} testId="preview-figures" />
        {preview.invalid > 0 && (
          <p className="warn-text">
            {preview.invalid === 1 ? '1 item has' : `${formatCount(preview.invalid)} items have`} a job key over 512 characters and are
            never queued.
          </p>
        )}
      </div>
      <div className="table-scroll">
        <table className="counts-table bf-sample">
          <thead>
            <tr>
              <th className="name-col">
                <span className="bf-th">Item key (first {preview.sample.length}, in the order a run takes them)</span>
              </th>
              <th className="name-col">
                <span className="bf-th">Job</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {preview.sample.length === 0 && (
              <tr>
                <td colSpan={2} className="table-empty">
                  No item lacks output: nothing to backfill.
                </td>
              </tr>
            )}
            {preview.sample.map((item) => (
              <tr key={item.key}>
                <td className="name-col mono" title={item.key}>
                  {bounded(item.key)}
                </td>
                <td className="name-col">
                  <span className={`bf-state bf-state-${item.state}`}>{STATE_LABEL[item.state]}</span>
                  {item.jobId && <span className="dim mono"> #{item.jobId}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
