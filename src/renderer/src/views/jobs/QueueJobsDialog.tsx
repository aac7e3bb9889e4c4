import { useState } from 'react';
import { useModalDialog } from '../../hooks/useModalDialog.ts';
import { useOp, useOpMutation } from '../../data/use-op.ts';
import { errorMessage } from '../../api/client.ts';
import { useToasts } from '../../store/toast-store.ts';
import { navigate } from '../../router.ts';
import { formatDateTime } from '../../format.ts';
import { EMPTY_QUEUE_FORM, queueRequest, splitKeys, type QueueForm } from './queue-form.ts';
import { noWorkerRuns, taskWorkersOf, type TaskWorkers } from '../../../../shared/model/jobs.ts';
import type { WorkersList } from '../../../../shared/model/workers.ts';

/** Live workers that report their tasks (with the companion, and this console's runner): who runs `task`. */
function listedWorkersOf(list: WorkersList | undefined, task: string): TaskWorkers | null {
  const reporting = list?.workers.filter((w) => w.source !== 'watched' && w.liveness === 'alive') ?? [];
  return taskWorkersOf(
    reporting.map((w) => w.tasks),
    task,
  );
}

/** Queued, but no live worker with the companion runs the task: say so beside the confirmation. */
function warnIfUnserved(task: string, workers: TaskWorkers | null): void {
  const unserved = noWorkerRuns(task, workers);
  if (unserved) useToasts.getState().push('warning', `No live worker runs ${task}`, unserved);
}

/**
 * Queue work from the console: one job (graphile-worker's add_job, every option), or a job per key from one
 * payload template (one add_jobs call; a key already queued is left alone). The engine validates; its message
 * shows here and nothing is queued.
 */
export function QueueJobsDialog({ open, onClose, initial }: { open: boolean; onClose: () => void; initial?: Partial<QueueForm> }) {
  const ref = useModalDialog(open);
  // `initial`: a job to queue again (its task, queue and payload), as its page offers for a job cancelled earlier.
  const [form, setForm] = useState<QueueForm>({ ...EMPTY_QUEUE_FORM, ...initial });
  const [error, setError] = useState<string | null>(null);
  // Said while the task is typed, before anything is queued: a task no live reporting worker runs waits (a typo, say).
  const workers = useOp('workers.list', {}, { enabled: open, staleTime: 5_000 }).data;
  const task = form.task.trim();
  const unserved = task ? noWorkerRuns(task, listedWorkersOf(workers, task)) : null;
  // An edit clears the last complaint: it was about what the form held then.
  const set = (patch: Partial<QueueForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setError(null);
  };

  const done = () => {
    setError(null);
    onClose();
  };
  const one = useOpMutation('jobs.add', {
    onSuccess: (job) => {
      useToasts
        .getState()
        .push(
          'info',
          job.keyExisted ? `Updated job ${job.jobId}` : `Queued job ${job.jobId}`,
          `${job.task}, runs ${formatDateTime(job.runAt)}`,
        );
      warnIfUnserved(job.task, job.workers);
      done();
      navigate(`jobs/${job.jobId}`);
    },
    onError: (e) => setError(errorMessage(e)),
  });
  const batch = useOpMutation('jobs.addBatch', {
    onSuccess: (r) => {
      const left = [
        r.alreadyQueued.length ? `${r.alreadyQueued.length} already queued (left as they were)` : '',
        r.duplicates ? `${r.duplicates} given twice` : '',
      ].filter(Boolean);
      useToasts.getState().push('info', `Queued ${r.added} ${r.task} job${r.added === 1 ? '' : 's'}`, left.join(', ') || 'one per key');
      if (r.added > 0) warnIfUnserved(r.task, r.workers);
      done();
      navigate('jobs', { task: r.task });
    },
    onError: (e) => setError(errorMessage(e)),
  });
  const busy = one.isPending || batch.isPending;
  const submit = () => {
    const request = queueRequest(form);
    if ('error' in request) return setError(request.error);
    setError(null);
    if (request.op === 'jobs.add') one.mutate(request.input);
    else batch.mutate(request.input);
  };
  const given = splitKeys(form.keys);
  const keyCount = new Set(given).size;
  const twice = given.length - keyCount;

  return (
    <dialog
      ref={ref}
      className="dialog queue-dialog"
      aria-labelledby="queue-title"
      data-testid="queue-dialog"
      onCancel={(e) => {
        e.preventDefault();
        done();
      }}
    >
      <h2 id="queue-title">Queue jobs</h2>
      <form
        className="queue-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="segmented" role="group" aria-label="How many">
          {(['one', 'batch'] as const).map((mode) => (
            <button
              key={mode}
              type="button"
              className={form.mode === mode ? 'active' : ''}
              aria-pressed={form.mode === mode}
              onClick={() => set({ mode })}
              data-testid={`queue-mode-${mode}`}
            >
              {mode === 'one' ? 'One job' : 'A job per key'}
            </button>
          ))}
        </div>
        <label className="field">
          Task
          <input value={form.task} onChange={(e) => set({ task: e.target.value })} required autoFocus data-testid="queue-task" />
          {unserved && (
            <span className="warn-text field-note" data-testid="queue-task-unserved">
              {unserved}
            </span>
          )}
        </label>
        <label className="field">
          {form.mode === 'one' ? 'Payload (JSON)' : 'Payload template (JSON object; the key goes in the field below)'}
          <textarea
            rows={3}
            value={form.payload}
            onChange={(e) => set({ payload: e.target.value })}
            spellCheck={false}
            data-testid="queue-payload"
          />
        </label>
        {form.mode === 'batch' && (
          <>
            <div className="field-grid">
              <label className="field">
                Keys (one per line, or separated by commas)
                <textarea
                  rows={3}
                  value={form.keys}
                  onChange={(e) => set({ keys: e.target.value })}
                  spellCheck={false}
                  data-testid="queue-keys"
                />
              </label>
              <label className="field">
                Key field
                <input value={form.keyField} onChange={(e) => set({ keyField: e.target.value })} data-testid="queue-key-field" />
              </label>
            </div>
            <div className="field-hint">
              {keyCount} key{keyCount === 1 ? '' : 's'}
              {twice ? ` (${twice} given twice, queued once)` : ''}; each job's key is <code>{form.jobKey.trim() || '{task}:{key}'}</code>,
              so a key already queued is left as it is and never queued twice.
            </div>
          </>
        )}
        <div className="queue-grid">
          <label className="field">
            {form.mode === 'one' ? 'Job key (optional)' : 'Job key template'}
            <input
              value={form.jobKey}
              placeholder={form.mode === 'one' ? '' : '{task}:{key}'}
              onChange={(e) => set({ jobKey: e.target.value })}
              data-testid="queue-job-key"
            />
          </label>
          <label className="field">
            Queue
            <input value={form.queue} onChange={(e) => set({ queue: e.target.value })} data-testid="queue-queue" />
          </label>
          <label className="field">
            Priority
            <input inputMode="numeric" value={form.priority} onChange={(e) => set({ priority: e.target.value })} />
          </label>
          <label className="field">
            Max attempts
            <input inputMode="numeric" value={form.maxAttempts} onChange={(e) => set({ maxAttempts: e.target.value })} />
          </label>
          <label className="field">
            Run at (empty: now)
            <input type="datetime-local" value={form.runAt} onChange={(e) => set({ runAt: e.target.value })} />
          </label>
        </div>
        {error && (
          <div className="form-error" role="alert" data-testid="queue-error">
            {error}
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={done} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="queue-submit">
            {busy ? 'Queuing…' : form.mode === 'one' ? 'Queue job' : `Queue ${keyCount || ''} job${keyCount === 1 ? '' : 's'}`}
          </button>
        </div>
      </form>
    </dialog>
  );
}
