/** A saved connection: everything but the password, which is stored encrypted (Electron) or not at all (web). */
export interface ConnectionProfile {
  id: string;
  name: string;
  kind: 'embedded' | 'postgres';
  host: string | null;
  port: number | null;
  database: string | null;
  user: string | null;
  /** Extra connection-string parameters (sslmode, ...). */
  params: string | null;
  readOnly: boolean;
  hasSavedPassword: boolean;
  createdAt: string;
}

export interface ConnectionTestResult {
  serverVersion: string;
  schema: import('./status.ts').SchemaInfo;
  /** Missing privileges for actions, or null when the role can act. */
  readOnlyReason: string | null;
}
