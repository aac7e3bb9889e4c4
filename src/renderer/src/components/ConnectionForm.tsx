import { useState } from 'react';
import { api } from '../api/client.ts';
import { useConnections } from '../store/connections-store.ts';
import type { ConnectionProfile, ConnectionTestResult } from '../../../shared/model/connection.ts';
import { draftHasPassword, draftTarget, suggestedName, type ConnectionDraft } from './connection-form-model.ts';
import { ConnectionFields } from './ConnectionFields.tsx';
import { TestResult } from './TestResult.tsx';

interface Props {
  draft: ConnectionDraft;
  onChange(draft: ConnectionDraft): void;
  onSaved(profile: ConnectionProfile): void;
  onCancel(): void;
  secretsStorable: boolean;
}

type Outcome = { kind: 'tested'; result: ConnectionTestResult } | { kind: 'error'; message: string } | null;

/** Add or edit a saved connection: by URL or by fields, test it, save it. */
export function ConnectionForm({ draft, onChange, onSaved, onCancel, secretsStorable }: Props) {
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const set = (patch: Partial<ConnectionDraft>) => {
    onChange({ ...draft, ...patch });
    setOutcome(null);
  };
  const name = draft.name.trim() || suggestedName(draft);

  const test = async () => {
    const target = draftTarget(draft);
    if (typeof target === 'string') return setOutcome({ kind: 'error', message: target });
    setBusy('test');
    try {
      setOutcome({ kind: 'tested', result: await api.call('connections.test', { target }) });
    } catch (error) {
      setOutcome({ kind: 'error', message: (error as Error).message });
    } finally {
      setBusy(null);
    }
  };

  const save = async () => {
    const target = draftTarget(draft);
    if (typeof target === 'string') return setOutcome({ kind: 'error', message: target });
    if (!name) return setOutcome({ kind: 'error', message: 'Give the connection a name' });
    setBusy('save');
    try {
      const profile = await api.call('connections.save', {
        ...(draft.id ? { id: draft.id } : {}),
        name,
        target,
        readOnly: draft.readOnly,
        savePassword: draft.savePassword,
      });
      await useConnections.getState().refresh();
      onSaved(profile);
    } catch (error) {
      setOutcome({ kind: 'error', message: (error as Error).message });
    } finally {
      setBusy(null);
    }
  };

  return (
    <form
      className="panel conn-form"
      data-testid="connection-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="panel-head">
        <h2>{draft.id ? `Edit ${draft.name}` : 'Add a connection'}</h2>
        <div className="segmented" role="group" aria-label="Enter the connection as">
          <button type="button" className={draft.mode === 'url' ? 'active' : ''} onClick={() => set({ mode: 'url' })} data-testid="conn-mode-url">
            URL
          </button>
          <button type="button" className={draft.mode === 'fields' ? 'active' : ''} onClick={() => set({ mode: 'fields' })} data-testid="conn-mode-fields">
            Fields
          </button>
        </div>
      </div>
      <label className="field">
        <span>Name</span>
        <input
          value={draft.name}
          placeholder={suggestedName(draft) || 'e.g. production jobs'}
          maxLength={80}
          onChange={(e) => set({ name: e.target.value })}
          data-testid="conn-name"
        />
      </label>
      <ConnectionFields draft={draft} set={set} />
      <label className="check">
        <input type="checkbox" checked={draft.readOnly} onChange={(e) => set({ readOnly: e.target.checked })} data-testid="conn-readonly" />
        <span>
          Read-only <span className="dim">— watch this database; never retry, cancel or change anything in it</span>
        </span>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={draft.savePassword}
          onChange={(e) => set({ savePassword: e.target.checked })}
          disabled={!draftHasPassword(draft)}
          data-testid="conn-save-password"
        />
        <span>
          Save password{' '}
          <span className="dim">
            {secretsStorable
              ? '— encrypted with the system keychain'
              : '— this web console cannot store it encrypted; unticked, it is kept in memory until the server stops'}
          </span>
        </span>
      </label>
      {outcome?.kind === 'error' && (
        <div className="form-error" role="alert" data-testid="connection-form-error">
          {outcome.message}
        </div>
      )}
      {outcome?.kind === 'tested' && <TestResult result={outcome.result} />}
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => void test()} disabled={!!busy} data-testid="conn-test">
          {busy === 'test' ? 'Testing…' : 'Test'}
        </button>
        <button type="submit" className="btn btn-primary" disabled={!!busy} data-testid="conn-save">
          {busy === 'save' ? 'Saving…' : draft.id ? 'Save changes' : 'Save'}
        </button>
        {draft.id && (
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            Cancel edit
          </button>
        )}
      </div>
    </form>
  );
}
