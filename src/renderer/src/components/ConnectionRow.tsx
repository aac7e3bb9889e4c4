import { useState } from 'react';
import { api } from '../api/client.ts';
import { navigate } from '../router.ts';
import { useLive } from '../store/live-store.ts';
import type { ConnectionProfile } from '../../../shared/model/connection.ts';

interface Props {
  profile: ConnectionProfile;
  onEdit(profile: ConnectionProfile): void;
  onRemove(profile: ConnectionProfile): void;
}

function where(p: ConnectionProfile): string {
  if (p.kind === 'embedded') return 'Embedded Postgres on this machine, with the demo pipeline';
  const params = p.params ? `?${p.params}` : '';
  return `${p.user ?? ''}@${p.host ?? ''}:${p.port ?? 5432}/${p.database ?? ''}${params}`;
}

/** One saved connection: where it points, its flags, and Connect / Edit / Remove. */
export function ConnectionRow({ profile: p, onEdit, onRemove }: Props) {
  const connection = useLive((s) => s.status?.connection);
  const active = connection?.profileId === p.id;
  const [asking, setAsking] = useState(false);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const needsPassword = p.kind === 'postgres' && !p.hasSavedPassword;

  const connect = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.call('connections.activate', { id: p.id, ...(password ? { password } : {}) });
      setAsking(false);
      setPassword('');
      navigate('overview');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={active ? 'conn-row active' : 'conn-row'} data-testid={`connection-${p.id}`}>
      <div className="conn-row-main">
        <div className="conn-row-name">
          {active && <span className={`state-dot dot-${connection!.state}`} aria-hidden="true" />}
          {p.name}
          {active && <span className={`badge badge-active badge-${connection!.state}`}>Active · {connection!.state}</span>}
          {p.readOnly && <span className="badge">Read-only</span>}
          {p.kind === 'postgres' && (
            <span className="badge badge-quiet">{p.hasSavedPassword ? 'Password saved' : 'No saved password'}</span>
          )}
        </div>
        <div className="conn-row-where mono">{where(p)}</div>
        {error && <div className="form-error" role="alert">{error}</div>}
        {asking && (
          <form
            className="conn-row-password"
            onSubmit={(e) => {
              e.preventDefault();
              void connect();
            }}
          >
            <input
              type="password"
              autoFocus
              placeholder="Password"
              aria-describedby={`pw-hint-${p.id}`}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Connecting…' : 'Connect'}
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </form>
        )}
        {asking && (
          <div className="field-hint" id={`pw-hint-${p.id}`}>
            No password is stored for this connection. Leave it blank to use the one kept in memory since you saved it,
            if the server has not restarted.
          </div>
        )}
      </div>
      <div className="conn-row-actions">
        {!asking && (
          <button
            className="btn"
            disabled={busy}
            onClick={() => (needsPassword ? setAsking(true) : void connect())}
            data-testid={`connect-${p.id}`}
          >
            {busy ? 'Connecting…' : active ? 'Reconnect' : 'Connect'}
          </button>
        )}
        {p.kind === 'postgres' && (
          <>
            <button className="btn btn-ghost" onClick={() => onEdit(p)}>
              Edit
            </button>
            <button className="btn btn-ghost btn-danger-text" onClick={() => onRemove(p)} disabled={active} title={active ? 'Switch to another connection first' : undefined}>
              Remove
            </button>
          </>
        )}
      </div>
    </li>
  );
}
