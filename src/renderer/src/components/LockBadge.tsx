import { shortPoolId } from '../format.ts';
import { Icon } from './Icon.tsx';

/** A named queue whose row is locked: one job is in flight and the rest wait behind it. */
export function LockBadge({ lockedBy }: { lockedBy: string | null }) {
  return (
    <span
      className="badge badge-lock"
      title={`Queue locked by ${lockedBy ?? 'an unknown pool'}: its next jobs wait until the running one finishes`}
    >
      <Icon name="lock" size={11} />
      {/* In a narrow table only the lock is left (the title says the rest). */}
      <span className="lock-text">
        locked · <span className="mono">{shortPoolId(lockedBy)}</span>
      </span>
    </span>
  );
}
