import { Icon } from '../../components/Icon.tsx';
import { WORKER_ANSWER_SECONDS, type CancelOutcome, type CancelTarget } from './cancel-outcome.ts';

interface Props {
  pending: ReadonlyMap<string, CancelTarget>;
  outcomes: CancelOutcome[];
  onDismiss: (key: string) => void;
}

/** Cancels waiting for their answer, then what each came to: stays until dismissed (the job itself leaves the list). */
export function CancelOutcomes({ pending, outcomes, onDismiss }: Props) {
  if (pending.size === 0 && outcomes.length === 0) return null;
  return (
    <section className="cancel-outcomes" aria-live="polite" data-testid="cancel-outcomes">
      {[...pending.values()].map(({ job, worker }) => (
        <div key={`pending-${job.jobId}`} className="cancel-outcome cancel-pending" data-testid={`cancel-waiting-${job.jobId}`}>
          <span className="spinner" aria-hidden="true" />
          <div>
            <div className="cancel-title">
              Cancelling job #{job.jobId} ({job.task})
            </div>
            <div className="cancel-message">
              {worker.source === 'hosted'
                ? "Waiting for this console's runner to stop it."
                : `Asked its worker to stop it; waiting up to ${WORKER_ANSWER_SECONDS} s for the answer.`}
            </div>
          </div>
        </div>
      ))}
      {outcomes.map((o) => (
        <div key={o.key} className={`cancel-outcome cancel-${o.kind}`} data-testid={`cancel-outcome-${o.jobId}`} data-kind={o.kind}>
          <Icon name={o.kind === 'cancelled' ? 'check' : 'alert'} />
          <div>
            <div className="cancel-title">{o.title}</div>
            <div className="cancel-message">{o.message}</div>
          </div>
          <button className="icon-btn" onClick={() => onDismiss(o.key)} aria-label="Dismiss">
            <Icon name="close" size={14} />
          </button>
        </div>
      ))}
    </section>
  );
}
