import { useState } from 'react';
import { errorMessage } from '../api/client.ts';
import { useOp, useOpMutation, useStatus } from '../data/use-op.ts';
import { toastError, useToasts } from '../store/toast-store.ts';
import { ConnectionRow } from '../components/ConnectionRow.tsx';
import { ConnectionForm } from '../components/ConnectionForm.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { draftFromProfile, emptyDraft } from '../components/connection-form-model.ts';
import type { ConnectionProfile } from '../../../shared/model/connection.ts';

/** Saved connections (the active one marked) and the form to add or edit one. */
export function ConnectionsView() {
  const connections = useOp('connections.list', {});
  const profiles = connections.data ?? [];
  const secretsStorable = useStatus((s) => s.secretsStorable) ?? false;
  const [draft, setDraft] = useState(() => emptyDraft(secretsStorable));
  const [removing, setRemoving] = useState<ConnectionProfile | null>(null);
  const toast = useToasts((s) => s.push);
  const remove = useOpMutation('connections.remove', {
    onSuccess: (_result, { id }) => {
      if (draft.id === id) setDraft(emptyDraft(secretsStorable));
      setRemoving(null);
    },
    onError: (e) => toastError(`Could not remove ${removing?.name ?? 'the connection'}`, e),
  });

  return (
    <div className="connections">
      <div className="view-head">
        <h1>Connections</h1>
        <span className="view-note">Jobdeck watches one database at a time. Passwords are never shown again after saving.</span>
      </div>
      <div className="connections-grid">
        <section className="panel">
          <div className="panel-head">
            <h2>Saved</h2>
          </div>
          {connections.error && (
            <div className="form-error" role="alert">
              {errorMessage(connections.error)}
            </div>
          )}
          {connections.isPending && <div className="dim pad">Loading…</div>}
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
        busy={remove.isPending}
        onConfirm={() => removing && remove.mutate({ id: removing.id })}
        onCancel={() => setRemoving(null)}
      >
        <p>Jobdeck forgets this connection and its stored password. The database itself is not touched.</p>
      </ConfirmDialog>
    </div>
  );
}
