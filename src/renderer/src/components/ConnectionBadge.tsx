import { href } from '../router.ts';
import { useStatus } from '../data/use-op.ts';
import type { ConnectionState } from '../../../shared/model/status.ts';

const STATE_LABELS: Record<ConnectionState, string> = {
  none: 'Not connected',
  connecting: 'Connecting…',
  online: 'Online',
  offline: 'Offline',
  error: 'Connection failed',
};

/** The active database: state dot, name, masked URL, server and schema version. */
export function ConnectionBadge() {
  const connection = useStatus((s) => s.connection);
  if (!connection) return <div className="conn-badge" />;
  const { state, name, display, serverVersion, schema } = connection;
  return (
    <a className="conn-badge" href={href('connections')} title={`${STATE_LABELS[state]} — manage connections`}>
      <span className={`state-dot dot-${state}`} role="img" aria-label={STATE_LABELS[state]} />
      <span className="conn-text">
        <span className="conn-name">
          {name ?? 'No connection'}
          <span className={`conn-state state-${state}`}>{STATE_LABELS[state]}</span>
        </span>
        <span className="conn-url mono">{display ?? 'choose a database in Connections'}</span>
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
