import { useEffect, useState, useRef } from 'react';
import { errorMessage } from '../../api/client.ts';
import { useOp, useOpMutation, useStatus } from '../../data/use-op.ts';
import type { OpInput } from '../../../../shared/contract/index.ts';
import { toastError } from '../../store/toast-store.ts';
import { useBackfill } from './backfill-store.ts';
import { RuleList } from './RuleList.tsx';
import { RuleEditor } from './RuleEditor.tsx';
import { PreviewPanel } from './PreviewPanel.tsx';
import { RunPanel } from './RunPanel.tsx';
import { BacklogChart } from './BacklogChart.tsx';
import { RunHistory } from './RunHistory.tsx';
import { ImportExport } from './ImportExport.tsx';
import { DemoRules } from './DemoRules.tsx';
import { navigate } from '../../router.ts';
import type { ViewProps } from '../../routes.tsx';
import './backfill.css';

/** The run log the chart and the history show: a week. */
const RUNS_MINUTES = 7 * 24 * 60;

/**
 * Backfill: rules that find the items of the operator's tables that never got their LLM output, a read-only
 * preview of them, one-click (or scheduled) queuing, and the backlog over time.
 */
export function BackfillView({ route }: ViewProps) {
  const { selected: chosen, select: choose } = useBackfill();
  // `#/backfill/<rule>` opens a rule (a deep link); choosing a saved rule names it in the address, the editor of a
  // new one (or none) leaves the address at `#/backfill`.
  const linkedRule = route.rest[0] ?? null;
  useEffect(() => {
    if (linkedRule) choose(linkedRule);
  }, [linkedRule, choose]);
  const select = (id: string | null) => {
    choose(id);
    navigate(id && id !== 'new' ? `backfill/${id}` : 'backfill', undefined, { replace: true });
  };
  const profileId = useStatus((s) => s.connection.profileId) ?? null;
  const readOnlyReason = useStatus((s) => s.connection.readOnlyReason) ?? null;
  const [editing, setEditing] = useState(false);
  // Rules and runs are read again after every write here (data/writes.ts) and on each `backfill` event (a
  // scheduled run, another window's run; data/engine-events.tsx); a switch of database reads them anew.
  const list = useOp('backfill.list', {});
  const rules = list.data ?? [];
  const loaded = !list.isPending;
  // The chosen rule, or the first one when none is chosen or the chosen one is gone.
  const selected = chosen === 'new' || rules.some((r) => r.id === chosen) ? chosen : (rules[0]?.id ?? null);
  const rule = rules.find((r) => r.id === selected) ?? null;
  const isNew = selected === 'new';
  const runsQuery = useOp('backfill.runs', { id: rule?.id, minutes: RUNS_MINUTES }, { enabled: !!rule });
  const runs = runsQuery.data ?? [];
  const preview = useOpMutation('backfill.preview');
  const run = useOpMutation('backfill.run', {
    onError: (e) => toastError(`Could not run "${rule?.name ?? 'the rule'}"`, e),
  });
  // What was previewed or run belongs to the rule it was asked for.
  const { reset: resetPreview } = preview;
  // The preview on show now (its request), for a run that ends later to tell whether it still is.
  const onShow = useRef<typeof preview.variables>(undefined);
  useEffect(() => {
    onShow.current = preview.data ? preview.variables : undefined;
  }, [preview.data, preview.variables]);
  const { reset: resetRun } = run;
  useEffect(() => {
    resetPreview();
    resetRun();
  }, [selected, resetPreview, resetRun]);
  const failure = list.error ?? runsQuery.error;
  const error = failure ? errorMessage(failure) : null;

  const onRun = async (target: { limit: number } | { keys: string[] }, requeueFailed: boolean) => {
    if (!rule) return;
    const shown = preview.variables;
    const done = await run.mutateAsync({ id: rule.id, ...target, requeueFailed }).catch(() => null);
    // A preview on show told what a run would queue: after one, it is read again (it kept saying "no job yet"), if it
    // is still the one on show (not replaced by a newer preview, nor gone with a change of rule meanwhile).
    if (done && shown && onShow.current === shown) void preview.mutateAsync(shown).catch(() => {});
  };
  const onPreview = (target: OpInput<'backfill.preview'>['target']) => preview.mutateAsync({ target, sampleSize: 20 });

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
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
      <div className="bf-layout">
        <aside className="panel bf-side">
          <div className="panel-head">
            <h2>Rules</h2>
            <button
              className="btn btn-primary bf-new"
              onClick={() => {
                select('new');
                setEditing(true);
              }}
              data-testid="bf-new-rule"
            >
              New rule
            </button>
          </div>
          {loaded && (
            <RuleList
              rules={rules}
              selected={selected}
              onSelect={(id) => {
                select(id);
                setEditing(false);
              }}
            />
          )}
          {loaded && rules.length === 0 && <DemoRules />}
          <ImportExport canExport={rules.length > 0} />
        </aside>
        <div className="bf-main">
          {(isNew || rule) && (
            <RuleEditor
              key={`editor-${selected ?? 'none'}`}
              rule={rule}
              open={isNew || editing}
              onToggle={() => setEditing(!editing)}
              onPreview={onPreview}
              onPreviewFailed={resetPreview}
              onSaved={(saved) => {
                select(saved.id);
                setEditing(false);
              }}
              onRemoved={() => select(null)}
            />
          )}
          {preview.data && <PreviewPanel preview={preview.data} />}
          {rule && <RunPanel key={`run-${rule.id}`} rule={rule} readOnlyReason={readOnlyReason} result={run.data ?? null} onRun={onRun} />}
          {rule && <BacklogChart runs={runs} />}
          {rule && <RunHistory runs={runs} />}
          {!rule && !isNew && loaded && (
            <div className="view-empty">
              <h1>No rule selected</h1>
              <p>
                A rule is a read-only query over your tables that returns the keys of items lacking output, and the task to queue for each.
              </p>
              <button
                className="btn btn-primary"
                onClick={() => {
                  select('new');
                  setEditing(true);
                }}
              >
                Create a rule
              </button>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
