import { useState } from 'react';
import { errorMessage } from '../../api/client.ts';
import type { OpInput } from '../../../../shared/contract/index.ts';
import type { BackfillPreview, BackfillRule } from '../../../../shared/model/backfill.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { useOpMutation, useStatus } from '../../data/use-op.ts';
import { RuleForm } from './RuleForm.tsx';
import { draftOf, emptyDraft, ruleInput, scheduleLabel } from './rule-draft.ts';
import { draftErrors, type DraftErrors } from './rule-checks.ts';

interface Props {
  rule: BackfillRule | null;
  open: boolean;
  onToggle: () => void;
  /** Previews a saved rule or the form's; the answer is shown by the view. */
  onPreview: (target: OpInput<'backfill.preview'>['target']) => Promise<BackfillPreview>;
  /** A preview failed: the view drops the previous one, which no longer answers for the form. */
  onPreviewFailed: () => void;
  onSaved: (rule: BackfillRule) => void;
  onRemoved: () => void;
}

/** A rule's header and editor: preview it (saved or not), save it, delete it. */
export function RuleEditor({ rule, open, onToggle, onPreview, onPreviewFailed, onSaved, onRemoved }: Props) {
  const runnerState = useStatus((s) => s.runner.state);
  // The list is read again before these resolve (data/writes.ts), so the view can select the saved rule.
  const saveRule = useOpMutation('backfill.save');
  const removeRule = useOpMutation('backfill.remove');
  const [draft, setDraft] = useState(() => (rule ? draftOf(rule) : emptyDraft()));
  const [busy, setBusy] = useState<'preview' | 'save' | 'remove' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<DraftErrors>({});
  const [confirmRemove, setConfirmRemove] = useState(false);
  const unchanged = rule !== null && JSON.stringify(draftOf(rule)) === JSON.stringify(draft);

  const act = async (what: 'preview' | 'save' | 'remove', work: () => Promise<void>) => {
    setBusy(what);
    setProblem(null);
    try {
      await work();
    } catch (error) {
      setProblem(errorMessage(error));
      if (what === 'preview') onPreviewFailed();
    } finally {
      setBusy(null);
    }
  };

  // A field's message goes as soon as the operator changes that field; the others stay until the next check.
  const edit = (next: typeof draft) => {
    setFieldErrors((prev) =>
      Object.fromEntries(Object.entries(prev).filter(([k]) => next[k as keyof typeof draft] === draft[k as keyof typeof draft])),
    );
    setDraft(next);
  };

  /** Checks the form first: false (with messages next to the fields, the editor open) when a field is not right. */
  const fieldsOk = (forSave: boolean) => {
    const errors = draftErrors(draft, forSave);
    setFieldErrors(errors);
    const ok = Object.keys(errors).length === 0;
    if (!ok && !open) onToggle();
    return ok;
  };

  const preview = () => {
    // A saved, unchanged rule is previewed by id, so the preview joins its backlog history.
    if (!(rule && unchanged) && !fieldsOk(false)) return;
    return act('preview', async () => {
      if (rule && unchanged) return void (await onPreview({ id: rule.id }));
      const input = ruleInput(draft);
      if (typeof input === 'string') throw new Error(input);
      await onPreview({ rule: input });
    });
  };

  const save = () => {
    if (!fieldsOk(true)) return;
    return act('save', async () => {
      const input = ruleInput(draft);
      if (typeof input === 'string') throw new Error(input);
      onSaved(await saveRule.mutateAsync({ ...(rule ? { id: rule.id } : {}), rule: input }));
    });
  };

  const remove = () =>
    act('remove', async () => {
      await removeRule.mutateAsync({ id: rule!.id });
      setConfirmRemove(false);
      onRemoved();
    });

  return (
    <section className={open || problem ? 'panel bf-editor open' : 'panel bf-editor'} data-testid="backfill-editor">
      <div className="panel-head">
        <h2>{rule ? rule.name : 'New rule'}</h2>
        {rule && (
          <span className="panel-note">
            <span className="mono">{rule.task}</span> · batch {rule.batchSize} · {rule.maxAttempts} attempts ·{' '}
            {scheduleLabel(rule.scheduleMinutes)}
          </span>
        )}
        {rule?.scheduleMinutes && runnerState !== 'running' && (
          <span className="badge badge-lock" data-testid="bf-schedule-paused" title="Schedules run through the hosted runner's crontab">
            schedule paused: runner {runnerState ?? 'stopped'}
          </span>
        )}
        <div className="bf-head-actions">
          {rule && (
            <button className="btn btn-ghost" onClick={onToggle} data-testid="bf-edit">
              {open ? 'Close editor' : 'Edit'}
            </button>
          )}
          <button className="btn" onClick={() => void preview()} disabled={!!busy} data-testid="bf-preview">
            {busy === 'preview' ? 'Reading…' : 'Preview'}
          </button>
        </div>
      </div>
      {open && <RuleForm draft={draft} errors={fieldErrors} onChange={edit} />}
      {problem && (
        <div className="form-error bf-problem" role="alert" data-testid="bf-error">
          {problem}
        </div>
      )}
      {open && (
        <div className="form-actions bf-actions">
          <button className="btn btn-primary" onClick={() => void save()} disabled={!!busy || unchanged} data-testid="bf-save">
            {busy === 'save' ? 'Saving…' : rule ? 'Save changes' : 'Save rule'}
          </button>
          {rule && (
            <button
              className="btn btn-ghost btn-danger-text"
              onClick={() => setConfirmRemove(true)}
              disabled={!!busy}
              data-testid="bf-remove"
            >
              Delete rule
            </button>
          )}
        </div>
      )}
      <ConfirmDialog
        open={confirmRemove}
        title={`Delete "${rule?.name ?? ''}"?`}
        confirmLabel="Delete"
        danger
        busy={busy === 'remove'}
        onConfirm={() => void remove()}
        onCancel={() => setConfirmRemove(false)}
      >
        <p>The rule and its run log are removed from Jobdeck. Jobs it queued stay in the database.</p>
      </ConfirmDialog>
    </section>
  );
}
