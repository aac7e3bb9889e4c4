import { useState } from 'react';
import { errorMessage } from '../api/client.ts';
import { navigate } from '../router.ts';
import { useOpMutation, useStatus } from '../data/use-op.ts';
import type { ConnectionProfile } from '../../../shared/model/connection.ts';

interface Props {
  profile: ConnectionProfile;
  onEdit: (profile: ConnectionProfile) => void;
  onRemove: (profile: ConnectionProfile) => void;
}

function where(p: ConnectionProfile): string {
  if (p.kind === 'embedded') return 'Embedded Postgres on this machine, with the demo pipeline';
  const params = p.params ? `?${p.params}` : '';
  return `${p.user ?? ''}@${p.host ?? ''}:${p.port ?? 5432}/${p.database ?? ''}${params}`;
}

/** One saved connection: where it points, its flags, and Connect / Edit / Remove. */
export function ConnectionRow({ profile: p, onEdit, onRemove }: Props) {
  const connection = useStatus((s) => s.connection);
  const active = connection?.profileId === p.id;
  const [asking, setAsking] = useState(false);
  const [password, setPassword] = useState('');
  const needsPassword = p.kind === 'postgres' && !p.hasSavedPassword;
  // The answer is the new status: the event hub sees the switch of database and reads every view again.
  const activate = useOpMutation('connections.activate', {
    onSuccess: () => {
      setAsking(false);
      setPassword('');
      navigate('overview');
    },
  });
  const busy = activate.isPending;
  const error = activate.error ? errorMessage(activate.error) : null;
  const connect = () => activate.mutate({ id: p.id, ...(password ? { password } : {}) });

  return (
    <li className={active ? 'conn-row active' : 'conn-row'} data-testid={`connection-${p.id}`}>
      <div className="conn-row-main">
        <div className="conn-row-name">
          {active && <span className={`state-dot dot-${connection.state}`} aria-hidden="true" />}
          {p.name}
          {active && <span className={`badge badge-active badge-${connection.state}`}>Active · {connection.state}</span>}
          {p.readOnly && <span className="badge">Read-only</span>}
          {p.kind === 'postgres' && (
            <span className="badge badge-quiet">{p.hasSavedPassword ? 'Password saved' : 'No saved password'}</span>
          )}
        </div>
        <div className="conn-row-where mono">{where(p)}</div>
        {error && (
          <div className="form-error" role="alert">
            {error}
          </div>
        )}
        {asking && (
          <form
            className="conn-row-password"
            onSubmit={(e) => {
              e.preventDefault();
              connect();
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
            No password is stored for this connection. Leave it blank to use the one kept in memory since you saved it, if the server has
            not restarted.
          </div>
        )}
      </div>
      <div className="conn-row-actions">
        {!asking && (
          <button
            className="btn"
            disabled={busy}
            onClick={() => (needsPassword ? setAsking(true) : connect())}
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
            <button
              className="btn btn-ghost btn-danger-text"
              onClick={() => onRemove(p)}
              disabled={active}
              title={active ? 'Switch to another connection first' : undefined}
            >
              Remove
            </button>
          </>
        )}
      </div>
    </li>
  );
}
