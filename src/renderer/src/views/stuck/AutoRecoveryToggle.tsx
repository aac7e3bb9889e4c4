import { useOp, useOpMutation } from '../../data/use-op.ts';
import { toastError } from '../../store/toast-store.ts';

/**
 * Automatic recovery of the active connection (off unless turned on, kept in Jobdeck's SQLite): every few
 * seconds, the jobs of worker pools known gone (companion heartbeat) are unlocked without an operator, audited.
 */
export function AutoRecoveryToggle() {
  const settings = useOp('recovery.settings', {}).data;
  const configure = useOpMutation('recovery.configure', { onError: (e) => toastError('Could not change automatic recovery', e) });
  if (!settings) return null;
  const seconds = Math.round(settings.checkEveryMs / 1000);
  return (
    <label
      className="check stuck-auto"
      title={`Every ${seconds} s while connected: unlock the jobs of workers known gone (their companion heartbeat stopped) or stopped while still holding locks. Workers without the companion are never unlocked automatically.`}
    >
      <input
        type="checkbox"
        checked={settings.autoUnlockGone}
        disabled={configure.isPending}
        onChange={(e) => configure.mutate({ autoUnlockGone: e.target.checked })}
        data-testid="auto-recovery"
      />
      Recover automatically (workers known gone)
    </label>
  );
}
