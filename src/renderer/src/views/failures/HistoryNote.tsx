import type { HistoryStatus } from '../../../../shared/model/history.ts';
import { formatAgo, formatDateTime } from '../../format.ts';
import { useNow } from '../../hooks/useNow.ts';
import { useOp, useStatus } from '../../data/use-op.ts';

/** Says where the numbers come from: a live watch of the database, or the saved history when it is out of reach. */
export function HistoryNote({ status }: { status: HistoryStatus | null }) {
  const now = useNow(5000);
  const activeId = useStatus((s) => s.connection.profileId) ?? null;
  // Names of saved connections, for history whose connection is not the active one.
  const profiles = useOp('connections.list', {}).data ?? [];
  if (!status) return null;
  const last = status.lastScanAt ? `${formatDateTime(status.lastScanAt)} (${formatAgo(now - Date.parse(status.lastScanAt))})` : 'never';
  if (status.live) {
    const feed = status.companion;
    return (
      <span className="history-note live" data-testid="history-live">
        <span className="pulse-dot" /> Recording · last scan of the database {last}
        {status.lastScanAt ? `, in ${status.lastScanMs ?? 0} ms` : ''}
        {feed.state === 'reading' ? (
          <span title={feed.message} data-testid="history-companion">
            {' '}
            · workers with the companion report every attempt
            {feed.rejected > 0 ? ` (${feed.rejected} malformed rows refused)` : ''}
          </span>
        ) : feed.state === 'refused' || feed.state === 'error' ? (
          <span className="warn-text" data-testid="history-companion">
            {' '}
            · {feed.message}
          </span>
        ) : null}
        {status.hostedRecording?.state === 'not_recording' && (
          <span className="warn-text" data-testid="history-hosted-not-recording">
            {' '}
            · {status.hostedRecording.message}
          </span>
        )}
      </span>
    );
  }
  // The engine falls back to the last active connection's history: name it when it is not the one in the top bar.
  const id = status.connectionId;
  const other = id !== null && id !== activeId;
  const name = other ? (status.connections.find((c) => c.id === id)?.name ?? profiles.find((p) => p.id === id)?.name ?? id) : null;
  return (
    <span className="history-note saved" data-testid="history-offline">
      {name ? (
        <>
          Saved history of <strong data-testid="history-connection">{name}</strong> (last active connection, works offline)
        </>
      ) : (
        'Saved history (works offline)'
      )}{' '}
      · last snapshot of the database: {last}
    </span>
  );
}
