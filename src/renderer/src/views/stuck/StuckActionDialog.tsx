import { BulkActionDialog } from '../jobs/BulkActionDialog.tsx';
import { stuckCall, type StuckRequest } from './stuck-actions.ts';

/** A stuck-view retry or cancel: the Jobs view's dialog, with its progress bar and report of what was skipped and why. */
export function StuckActionDialog({ request, onClose }: { request: StuckRequest; onClose: () => void }) {
  return (
    <BulkActionDialog
      title={`${request.label}: ${request.subject}`}
      confirmLabel={request.question?.confirmLabel ?? null}
      danger={request.kind === 'cancel' || !!request.force}
      autoStart={!request.question}
      call={(actionId) => stuckCall(request, actionId)}
      onClose={onClose}
    >
      {request.question && <p>{request.question.body}</p>}
    </BulkActionDialog>
  );
}
