import { useState } from 'react';
import { useOp, useOpMutation } from '../data/use-op.ts';
import { useOffline } from '../store/offline-store.ts';
import { toastError, useToasts } from '../store/toast-store.ts';
import { useNow } from '../hooks/useNow.ts';
import { formatAge, formatClock } from '../format.ts';
import { href } from '../router.ts';
import { Banner } from './Banner.tsx';
import { describeRetry } from '../../../shared/model/status.ts';
import { StoreBanners } from './StoreBanners.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';

/** What an operator must know before trusting the numbers: offline, failed, watch-only, no schema, runner. */
export function Banners() {
  const status = useOp('app.status', {}).data;
  const offlineSince = useOffline((s) => s.since);
  const now = useNow();
  const [confirming, setConfirming] = useState(false);
  const install = useOpMutation('schema.install', {
    onSuccess: (schema) => {
      useToasts.getState().push('info', 'Schema installed', `graphile-worker migration ${schema.version ?? '?'} is in place.`);
      setConfirming(false);
    },
    onError: (e) => toastError("Could not install graphile-worker's schema", e),
  });
  if (!status) return null;
  const { connection: c, runner } = status;
  const schemaMissing = c.state === 'online' && c.schema !== null && !c.schema.installed;
  const explained = c.state !== 'online' || schemaMissing || !!c.readOnlyReason;

  return (
    <div className="banners">
      <StoreBanners incidents={status.store.incidents} />
      {c.state === 'offline' && (
        <Banner kind="warning" testId="banner-offline" title="Database unreachable">
          since {offlineSince ? `${formatClock(offlineSince)} (${formatAge(now - offlineSince)})` : 'a moment ago'} — showing the last
          snapshot from {c.lastSnapshotAt ? formatClock(c.lastSnapshotAt) : 'before the loss'};{' '}
          {c.retry ? describeRetry(c.retry, now) : `reconnecting (attempt ${c.retries})`}.
          {c.error && <span className="banner-error-text">{c.error}</span>}
        </Banner>
      )}
      {c.state === 'error' && (
        <Banner
          kind="danger"
          testId="banner-error"
          title={`Could not connect${c.name ? ` to ${c.name}` : ''}`}
          actions={
            <a className="btn" href={href('connections')}>
              Open Connections
            </a>
          }
        >
          <span className="banner-error-text">{c.error ?? 'The connection failed.'}</span>
          {c.retry && <span data-testid="banner-retry"> Jobdeck keeps trying: {describeRetry(c.retry, now)}.</span>}
        </Banner>
      )}
      {c.state === 'none' && (
        <Banner
          kind="info"
          testId="banner-none"
          title="No database connected"
          actions={
            <a className="btn btn-primary" href={href('connections')}>
              Choose a connection
            </a>
          }
        >
          Pick or add a Postgres with graphile-worker in Connections.
        </Banner>
      )}
      {c.readOnlyReason && (
        <Banner kind="info" testId="banner-readonly" title="Watch only">
          {c.readOnlyReason.replace(/\.\s*$/, '')}. Counts and history are shown; actions that change the database are disabled.
        </Banner>
      )}
      {schemaMissing && (
        <Banner
          kind="warning"
          testId="banner-schema"
          title="graphile-worker's schema is not installed in this database"
          actions={
            <button className="btn btn-primary" onClick={() => setConfirming(true)} data-testid="schema-install">
              Install graphile-worker schema…
            </button>
          }
        >
          There are no queues to watch until it is. Install it here, or start any graphile-worker against this database.
        </Banner>
      )}
      {runner.state === 'error' && (
        <Banner kind="danger" testId="banner-runner" title="The runner stopped with an error">
          <span className="banner-error-text">{runner.error ?? 'Unknown error'}</span>
        </Banner>
      )}
      {runner.state !== 'error' && runner.unavailableReason && !explained && (
        <Banner kind="info" testId="banner-runner" title="The runner cannot start here">
          {runner.unavailableReason}
        </Banner>
      )}
      <ConfirmDialog
        open={confirming}
        title="Install graphile-worker's schema?"
        confirmLabel="Install schema"
        busy={install.isPending}
        onConfirm={() => install.mutate({ confirm: true })}
        onCancel={() => setConfirming(false)}
      >
        <p>
          This runs graphile-worker's own migrations in <span className="mono">{c.display ?? c.name}</span>: it creates the{' '}
          <span className="mono">graphile_worker</span> schema with its tables and functions.
        </p>
        <p>Nothing else in the database is changed. Jobdeck never alters the schema after that.</p>
      </ConfirmDialog>
    </div>
  );
}
