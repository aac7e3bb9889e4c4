import { useState } from 'react';
import { api } from '../api/client.ts';
import { useConnections } from '../store/connections-store.ts';
import { useLive } from '../store/live-store.ts';
import { useToasts } from '../store/toast-store.ts';
import { ConnectionRow } from '../components/ConnectionRow.tsx';
import { ConnectionForm } from '../components/ConnectionForm.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { draftFromProfile, emptyDraft } from '../components/connection-form-model.ts';
import type { ConnectionProfile } from '../../../shared/model/connection.ts';

/** Saved connections (the active one marked) and the form to add or edit one. */
export function ConnectionsView() {
  const { profiles, loaded, error, refresh } = useConnections();
  const secretsStorable = useLive((s) => s.status?.secretsStorable ?? false);
  const [draft, setDraft] = useState(() => emptyDraft(secretsStorable));
  const [removing, setRemoving] = useState<ConnectionProfile | null>(null);
  const [busy, setBusy] = useState(false);
  const toast = useToasts((s) => s.push);

  const remove = async () => {
    if (!removing) return;
    setBusy(true);
    try {
      await api.call('connections.remove', { id: removing.id });
      await refresh();
      if (draft.id === removing.id) setDraft(emptyDraft(secretsStorable));
      setRemoving(null);
    } catch (e) {
      toast('error', `Could not remove ${removing.name}`, (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="connections">
      <div className="view-head">
        <h1>Connections</h1>
        <span className="view-note">
          Jobdeck watches one database at a time. Passwords are never shown again after saving.
        </span>
      </div>
      <div className="connections-grid">
        <section className="panel">
          <div className="panel-head">
            <h2>Saved</h2>
          </div>
          {error && <div className="form-error" role="alert">{error}</div>}
          {!loaded && <div className="dim pad">Loading…</div>}
          <ul className="conn-list" data-testid="connection-list">
            {profiles.map((p) => (
              <ConnectionRow
                key={p.id}
                profile={p}
                onEdit={(profile) => setDraft(draftFromProfile(profile, secretsStorable))}
                onRemove={setRemoving}
              />
            ))}
          </ul>
        </section>
        <ConnectionForm
          key={draft.id ?? 'new'}
          draft={draft}
          onChange={setDraft}
          secretsStorable={secretsStorable}
          onCancel={() => setDraft(emptyDraft(secretsStorable))}
          onSaved={(profile) => {
            toast('info', `Saved ${profile.name}`, 'Connect to it from the list when you are ready.');
            setDraft(emptyDraft(secretsStorable));
          }}
        />
      </div>
      <ConfirmDialog
        open={!!removing}
        title={`Remove ${removing?.name ?? ''}?`}
        confirmLabel="Remove"
        danger
        busy={busy}
        onConfirm={() => void remove()}
        onCancel={() => setRemoving(null)}
      >
        <p>Jobdeck forgets this connection and its stored password. The database itself is not touched.</p>
      </ConfirmDialog>
    </div>
  );
}
