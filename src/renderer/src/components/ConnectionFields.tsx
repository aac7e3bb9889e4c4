import type { ConnectionDraft } from './connection-form-model.ts';

/** The target part of the form: one URL, or host / port / database / user / password / parameters. */
export function ConnectionFields({ draft, set }: { draft: ConnectionDraft; set: (patch: Partial<ConnectionDraft>) => void }) {
  if (draft.mode === 'url') {
    return (
      <label className="field">
        <span>Connection URL</span>
        <input
          className="mono"
          value={draft.url}
          placeholder="postgres://user:password@host:5432/database?sslmode=require"
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => set({ url: e.target.value })}
          data-testid="conn-url"
        />
      </label>
    );
  }
  const text = (key: 'host' | 'database' | 'user' | 'params', label: string, placeholder = '') => (
    <label className={`field field-${key}`}>
      <span>{label}</span>
      <input
        value={draft[key]}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => set({ [key]: e.target.value })}
        data-testid={`conn-${key}`}
      />
    </label>
  );
  return (
    <div className="field-grid">
      {text('host', 'Host', 'localhost')}
      <label className="field field-port">
        <span>Port</span>
        <input
          inputMode="numeric"
          value={draft.port}
          onChange={(e) => set({ port: e.target.value.replace(/\D/g, '') })}
          data-testid="conn-port"
        />
      </label>
      {text('database', 'Database')}
      {text('user', 'User')}
      <label className="field field-password">
        <span>Password</span>
        <input
          type="password"
          value={draft.password}
          autoComplete="new-password"
          onChange={(e) => set({ password: e.target.value })}
          data-testid="conn-password"
        />
      </label>
      {text('params', 'Parameters', 'sslmode=require')}
    </div>
  );
}
