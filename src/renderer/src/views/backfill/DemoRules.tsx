import { DEMO_BACKFILL_DOCUMENT } from '../../../../shared/model/demo.ts';
import { useOpMutation, useStatus } from '../../data/use-op.ts';
import { toastError, useToasts } from '../../store/toast-store.ts';

/**
 * While the demo runs and no rule exists: its three rules in one click (through `backfill.import`, as a file of
 * rules would come), so a first look at Backfill finds the demo's backlog rather than an empty page.
 */
export function DemoRules() {
  const active = useStatus((s) => s.demo?.active) ?? false;
  // The rules list is read again after an import (data/writes.ts).
  const add = useOpMutation('backfill.import', {
    onSuccess: (r) => useToasts.getState().push('info', `Added ${r.created} demo rules`, 'Preview one to see the backlog it finds'),
    onError: (e) => toastError('Could not add the demo rules', e),
  });
  if (!active) return null;
  return (
    <div className="bf-demo-rules">
      <p className="dim">The demo keeps items that never got a job: its rules find them, one per pipeline.</p>
      <button
        className="btn"
        disabled={add.isPending}
        data-testid="bf-demo-rules"
        onClick={() => add.mutate({ document: DEMO_BACKFILL_DOCUMENT })}
      >
        Add the demo&apos;s rules
      </button>
    </div>
  );
}
