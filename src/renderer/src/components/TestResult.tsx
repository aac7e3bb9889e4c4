import type { ConnectionTestResult } from '../../../shared/model/connection.ts';
import { Icon } from './Icon.tsx';

/** What a connection test found: server, graphile-worker schema, and whether this role can act. */
export function TestResult({ result }: { result: ConnectionTestResult }) {
  const { schema } = result;
  const schemaText = !schema.installed
    ? 'not installed: Jobdeck can install it after you connect'
    : schema.tooNew
      ? `migration ${schema.version}, newer than Jobdeck knows (${schema.knownVersion}): watch only`
      : `installed, migration ${schema.version}`;
  return (
    <div className="test-result" data-testid="connection-test-result">
      <div className="test-result-title">
        <Icon name="plug" /> Connected
      </div>
      <dl>
        <dt>Server</dt>
        <dd>PostgreSQL {result.serverVersion}</dd>
        <dt>graphile-worker</dt>
        <dd className={!schema.installed || schema.tooNew ? 'warn-text' : undefined}>{schemaText}</dd>
        <dt>Actions</dt>
        <dd className={result.readOnlyReason ? 'warn-text' : undefined}>
          {result.readOnlyReason ? `watch only — ${result.readOnlyReason}` : 'allowed (retry, cancel, backfill)'}
        </dd>
      </dl>
    </div>
  );
}
