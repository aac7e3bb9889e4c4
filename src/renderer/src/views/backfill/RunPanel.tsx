import { useState } from 'react';
import type { BackfillRule, BackfillRunResult } from '../../../../shared/model/backfill.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { formatCount } from '../../format.ts';
import { BacklogFigures } from './PreviewPanel.tsx';
import { EstimateNote } from '../usage/EstimateNote.tsx';
import { splitKeys } from '../jobs/queue-form.ts';

interface Props {
  rule: BackfillRule;
  readOnlyReason: string | null;
  result: BackfillRunResult | null;
  /** A number of items, or the items given by key (the rule still decides which lack output). */
  onRun: (target: { limit: number } | { keys: string[] }, requeueFailed: boolean) => Promise<void>;
}

/** "Run now": how many to queue, whether to requeue failed items, a confirmation, and the outcome. */
export function RunPanel({ rule, readOnlyReason, result, onRun }: Props) {
  const [limit, setLimit] = useState(String(rule.batchSize));
  const [requeueFailed, setRequeueFailed] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [keysText, setKeysText] = useState('');
  const keys = [...new Set(splitKeys(keysText))];
  const byKeys = keys.length > 0;
  const n = byKeys ? keys.length : Number(limit);
  const valid = Number.isInteger(n) && n >= 1 && n <= 10_000;
  // Said next to the button it greys out (as the rule editor says its limits), not left to be guessed.
  const problem = valid
    ? null
    : byKeys
      ? `At most 10,000 items at once: ${formatCount(n)} given`
      : 'Queue at most: a whole number from 1 to 10,000';
  const run = async () => {
    setBusy(true);
    try {
      await onRun(byKeys ? { keys } : { limit: n }, requeueFailed);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  return (
    <section className="panel" data-testid="backfill-run">
      <div className="panel-head">
        <h2>Run now</h2>
        <span className="panel-note">one add_jobs call · items that already have a job are never queued again</span>
      </div>
      <div className="pad bf-run-controls">
        <label className="field bf-limit">
          <span>Queue at most</span>
          <input
            value={limit}
            inputMode="numeric"
            onChange={(e) => setLimit(e.target.value)}
            aria-invalid={!valid}
            disabled={byKeys}
            data-testid="bf-run-limit"
          />
        </label>
        <label className="field bf-keys">
          <span>Or only these items (keys, one per line or separated by commas)</span>
          <textarea rows={2} value={keysText} onChange={(e) => setKeysText(e.target.value)} spellCheck={false} data-testid="bf-run-keys" />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={requeueFailed}
            onChange={(e) => setRequeueFailed(e.target.checked)}
            data-testid="bf-requeue-failed"
          />
          <span>
            Also requeue items whose job failed for good <span className="dim">— a new job each; the failed one stays as history</span>
          </span>
        </label>
        <button
          className="btn btn-primary"
          disabled={!valid || busy || !!readOnlyReason}
          title={readOnlyReason ?? undefined}
          onClick={() => setConfirming(true)}
          data-testid="bf-run"
        >
          {byKeys ? `Queue for ${formatCount(n)} item${n === 1 ? '' : 's'}` : `Queue up to ${valid ? formatCount(n) : '…'} jobs`}
        </button>
      </div>
      {problem && (
        <p className="pad form-error" role="alert" data-testid="bf-run-problem">
          {problem}
        </p>
      )}
      {readOnlyReason && <p className="pad warn-text">Runs are disabled: {readOnlyReason}</p>}
      {result && (
        <div className="pad bf-result" data-testid="bf-run-result" role="status">
          <p className="bf-result-message">{result.message}.</p>
          <BacklogFigures counts={result.run} enqueued={result.run.enqueued} testId="run-figures" />
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Queue jobs for "${rule.name}"?`}
        confirmLabel="Queue jobs"
        busy={busy}
        onConfirm={() => void run()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Up to {formatCount(n)} <span className="mono">{rule.task}</span> jobs
          {rule.queue ? (
            <>
              {' '}
              in queue <span className="mono">{rule.queue}</span>
            </>
          ) : null}
          , {rule.maxAttempts} attempts each, for {byKeys ? 'those of the items given that lack output and ' : 'items that '}have no job yet
          {requeueFailed ? ' or whose job failed for good' : ''}.
        </p>
        {confirming && valid && <EstimateNote tasks={[{ task: rule.task, jobs: n }]} />}
      </ConfirmDialog>
    </section>
  );
}
