import { href } from '../router.ts';
import { useStatus } from '../data/use-op.ts';
import { useNow } from '../hooks/useNow.ts';
import { describeRetry, type ConnectionRetry, type ConnectionState } from '../../../shared/model/status.ts';

const STATE_LABELS: Record<ConnectionState, string> = {
  none: 'Not connected',
  connecting: 'Connecting…',
  online: 'Online',
  offline: 'Offline',
  error: 'Connection failed',
};

/** "retrying in 4 s (attempt 3)", counting down each second. */
function RetryCountdown({ retry }: { retry: ConnectionRetry }) {
  const now = useNow();
  return (
    <span className="conn-url conn-retry" data-testid="conn-retry">
      {describeRetry(retry, now)}
    </span>
  );
}

/** The active database: state dot, name, masked URL (or the retry in progress), server and schema version. */
export function ConnectionBadge() {
  const connection = useStatus((s) => s.connection);
  if (!connection) return <div className="conn-badge" />;
  const { state, name, display, serverVersion, schema, retry } = connection;
  return (
    <a
      className="conn-badge"
      href={href('connections')}
      // The whole name and address, which a narrow window cuts ("Embedded (local de…").
      title={`${name ?? 'No connection'}${display ? ` · ${display}` : ''} · ${STATE_LABELS[state]} — manage connections`}
    >
      <span className={`state-dot dot-${state}`} role="img" aria-label={STATE_LABELS[state]} />
      <span className="conn-text">
        <span className="conn-name">
          <span className="conn-name-text">{name ?? 'No connection'}</span>
          <span className={`conn-state state-${state}`}>{STATE_LABELS[state]}</span>
        </span>
        {retry ? <RetryCountdown retry={retry} /> : <span className="conn-url mono">{display ?? 'choose a database in Connections'}</span>}
      </span>
      {serverVersion && (
        <span className="conn-meta">
          <span>PostgreSQL {serverVersion}</span>
          <span>{schema?.installed ? `graphile-worker schema v${schema.version}` : schema ? 'no graphile-worker schema' : ''}</span>
        </span>
      )}
    </a>
  );
}
