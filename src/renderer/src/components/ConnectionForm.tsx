import { useState } from 'react';
import { errorMessage } from '../api/client.ts';
import { useOpMutation } from '../data/use-op.ts';
import type { ConnectionProfile } from '../../../shared/model/connection.ts';
import { draftHasPassword, draftTarget, suggestedName, type ConnectionDraft } from './connection-form-model.ts';
import { ConnectionFields } from './ConnectionFields.tsx';
import { TestResult } from './TestResult.tsx';

interface Props {
  draft: ConnectionDraft;
  onChange: (draft: ConnectionDraft) => void;
  onSaved: (profile: ConnectionProfile) => void;
  onCancel: () => void;
  secretsStorable: boolean;
}

/** Add or edit a saved connection: by URL or by fields, test it, save it. */
export function ConnectionForm({ draft, onChange, onSaved, onCancel, secretsStorable }: Props) {
  // A test is a read, asked for by a click: a mutation holds its answer until the form changes.
  const testing = useOpMutation('connections.test');
  const saving = useOpMutation('connections.save', { onSuccess: onSaved });
  /** What is wrong with the form itself, found before asking the engine. */
  const [problem, setProblem] = useState<string | null>(null);
  const set = (patch: Partial<ConnectionDraft>) => {
    onChange({ ...draft, ...patch });
    setProblem(null);
    testing.reset();
    saving.reset();
  };
  const name = draft.name.trim() || suggestedName(draft);
  const busy = testing.isPending ? 'test' : saving.isPending ? 'save' : null;
  const failure = testing.error ?? saving.error;
  const error = problem ?? (failure ? errorMessage(failure) : null);

  const test = () => {
    const target = draftTarget(draft);
    if (typeof target === 'string') return setProblem(target);
    saving.reset();
    testing.mutate({ target });
  };

  const save = () => {
    const target = draftTarget(draft);
    if (typeof target === 'string') return setProblem(target);
    if (!name) return setProblem('Give the connection a name');
    testing.reset();
    saving.mutate({
      ...(draft.id ? { id: draft.id } : {}),
      name,
      target,
      readOnly: draft.readOnly,
      savePassword: draft.savePassword,
    });
  };

  return (
    <form
      className="panel conn-form"
      data-testid="connection-form"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <div className="panel-head">
        <h2>{draft.id ? `Edit ${draft.name}` : 'Add a connection'}</h2>
        <div className="segmented" role="group" aria-label="Enter the connection as">
          <button
            type="button"
            className={draft.mode === 'url' ? 'active' : ''}
            onClick={() => set({ mode: 'url' })}
            data-testid="conn-mode-url"
          >
            URL
          </button>
          <button
            type="button"
            className={draft.mode === 'fields' ? 'active' : ''}
            onClick={() => set({ mode: 'fields' })}
            data-testid="conn-mode-fields"
          >
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
      {error && (
        <div className="form-error" role="alert" data-testid="connection-form-error">
          {error}
        </div>
      )}
      {!error && testing.data && <TestResult result={testing.data} />}
      <div className="form-actions">
        <button type="button" className="btn" onClick={test} disabled={!!busy} data-testid="conn-test">
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
