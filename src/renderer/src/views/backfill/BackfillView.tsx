import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import { useLive } from '../../store/live-store.ts';
import { useToasts } from '../../store/toast-store.ts';
import { useBackfill } from './backfill-store.ts';
import { RuleList } from './RuleList.tsx';
import { RuleEditor } from './RuleEditor.tsx';
import { PreviewPanel } from './PreviewPanel.tsx';
import { RunPanel } from './RunPanel.tsx';
import { BacklogChart } from './BacklogChart.tsx';
import { RunHistory } from './RunHistory.tsx';
import { ImportExport } from './ImportExport.tsx';
import './backfill.css';

/**
 * Backfill: rules that find the items of the operator's tables that never got their LLM output, a read-only
 * preview of them, one-click (or scheduled) queuing, and the backlog over time.
 */
export function BackfillView() {
  const { rules, selected, runs, preview, lastResult, error, loaded, refresh, select, setResult } = useBackfill();
  const profileId = useLive((s) => s.status?.connection.profileId ?? null);
  const readOnlyReason = useLive((s) => s.status?.connection.readOnlyReason ?? null);
  const [editing, setEditing] = useState(false);

  useEffect(() => {
    void refresh();
  }, [profileId, refresh]);
  // Scheduled runs and other windows' runs arrive as events: keep the list and the chart current.
  useEffect(
    () =>
      api.subscribe((event) => {
        if (event.type === 'backfill') void refresh();
      }),
    [refresh],
  );

  const rule = rules.find((r) => r.id === selected) ?? null;
  const isNew = selected === 'new';

  const run = async (limit: number, requeueFailed: boolean) => {
    if (!rule) return;
    try {
      setResult(await api.call('backfill.run', { id: rule.id, limit, requeueFailed }));
      await refresh();
    } catch (e) {
      useToasts.getState().push('error', `Could not run "${rule.name}"`, (e as Error).message);
    }
  };

  if (!profileId) {
    return (
      <div className="view-empty">
        <h1>No database connected</h1>
        <p>Backfill rules belong to a connection: connect to a database first.</p>
      </div>
    );
  }

  return (
    <div className="backfill">
      <div className="view-head">
        <h1>Backfill</h1>
        <span className="view-note">Find the items that never got their LLM output, and queue each once — now or on a schedule.</span>
      </div>
      {error && <div className="form-error" role="alert">{error}</div>}
      <div className="bf-layout">
        <aside className="panel bf-side">
          <div className="panel-head">
            <h2>Rules</h2>
            <button className="btn btn-primary bf-new" onClick={() => { select('new'); setEditing(true); }} data-testid="bf-new-rule">
              New rule
            </button>
          </div>
          {loaded && <RuleList rules={rules} selected={selected} onSelect={(id) => { select(id); setEditing(false); }} />}
          <ImportExport onImported={() => void refresh()} canExport={rules.length > 0} />
        </aside>
        <div className="bf-main">
          {(isNew || rule) && (
            <RuleEditor
              key={`editor-${selected ?? 'none'}`}
              rule={rule}
              open={isNew || editing}
              onToggle={() => setEditing(!editing)}
              onSaved={async (saved) => {
                await refresh();
                select(saved.id);
                setEditing(false);
              }}
              onRemoved={async () => {
                select(null);
                await refresh();
              }}
            />
          )}
          {preview && <PreviewPanel preview={preview} />}
          {rule && <RunPanel key={`run-${rule.id}`} rule={rule} readOnlyReason={readOnlyReason} result={lastResult} onRun={run} />}
          {rule && <BacklogChart runs={runs} />}
          {rule && <RunHistory runs={runs} />}
          {!rule && !isNew && loaded && (
            <div className="view-empty">
              <h1>No rule selected</h1>
              <p>A rule is a read-only query over your tables that returns the keys of items lacking output, and the task to queue for each.</p>
              <button className="btn btn-primary" onClick={() => { select('new'); setEditing(true); }}>Create a rule</button>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
