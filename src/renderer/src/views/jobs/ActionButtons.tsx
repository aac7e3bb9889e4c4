import { useStatus } from '../../data/use-op.ts';
import { JOB_ACTIONS, JOB_ACTION_LABELS, type JobAction } from '../../../../shared/model/jobs.ts';

/** Why actions are refused on this connection (read-only profile, missing privileges...), or null. */
export function useActionsBlocked(): string | null {
  const reason = useStatus((s) => (s.connection.state !== 'online' ? 'No database connected' : s.connection.readOnlyReason));
  return reason === undefined ? 'No database connected' : reason;
}

interface Props {
  /** Which actions to offer, with a reason for those that do not apply here (e.g. "not locked"). */
  offer?: Partial<Record<JobAction, string | null>>;
  /** Suffix of each button's label, e.g. "all matching…". */
  suffix?: string;
  testPrefix: string;
  onAction: (action: JobAction) => void;
}

/**
 * One button per job action; all disabled, with the reason as their tooltip and a note, when the connection
 * does not allow actions (the engine refuses them too).
 */
export function ActionButtons({ offer, suffix = '', testPrefix, onAction }: Props) {
  const blocked = useActionsBlocked();
  const actions = JOB_ACTIONS.filter((a) => !offer || a in offer);
  return (
    <div className="action-buttons">
      {actions.map((action) => {
        const reason = blocked ?? offer?.[action] ?? null;
        return (
          <button
            key={action}
            className={action === 'retry' ? 'btn btn-primary' : action === 'cancel' || action === 'fail' ? 'btn btn-danger-text' : 'btn'}
            disabled={!!reason}
            title={reason ?? undefined}
            onClick={() => onAction(action)}
            data-testid={`${testPrefix}-${action}`}
          >
            {JOB_ACTION_LABELS[action]}
            {suffix}
          </button>
        );
      })}
      {blocked && (
        <span className="blocked-note" data-testid="actions-blocked">
          {blocked}
        </span>
      )}
    </div>
  );
}
