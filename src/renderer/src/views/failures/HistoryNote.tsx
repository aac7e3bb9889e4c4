import type { HistoryStatus } from '../../../../shared/model/history.ts';
import { formatAge, formatDateTime } from '../../format.ts';
import { useNow } from '../../hooks/useNow.ts';

/** Says where the numbers come from: a live watch of the database, or the saved history when it is out of reach. */
export function HistoryNote({ status }: { status: HistoryStatus | null }) {
  const now = useNow(5000);
  if (!status) return null;
  const last = status.lastScanAt ? `${formatDateTime(status.lastScanAt)} (${formatAge(now - Date.parse(status.lastScanAt))} ago)` : 'never';
  if (status.live) {
    return (
      <span className="history-note live" data-testid="history-live">
        <span className="pulse-dot" /> Recording · database scanned {status.lastScanMs ?? 0} ms, {last}
      </span>
    );
  }
  return (
    <span className="history-note saved" data-testid="history-offline">
      Saved history (works offline) · last snapshot of the database: {last}
    </span>
  );
}
