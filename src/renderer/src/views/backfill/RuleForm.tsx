import type { ReactNode } from 'react';
import type { DraftErrors } from './rule-checks.ts';
import { EXAMPLE_QUERY, SCHEDULE_CHOICES, scheduleLabel, type RuleDraft } from './rule-draft.ts';

interface Props {
  draft: RuleDraft;
  /** Messages from the last Preview or Save, shown under their fields. */
  errors?: DraftErrors;
  onChange: (draft: RuleDraft) => void;
}

function Field({
  label,
  hint,
  error,
  children,
  wide,
}: {
  label: string;
  hint?: string;
  error?: string;
  children: ReactNode;
  wide?: boolean;
}) {
  return (
    <label className={`field${wide ? ' bf-wide' : ''}${error ? ' has-error' : ''}`}>
      <span>{label}</span>
      {children}
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : (
        hint && <span className="field-hint">{hint}</span>
      )}
    </label>
  );
}

/** The fields of a rule: the query that finds items lacking output, and how each becomes a job. */
export function RuleForm({ draft, errors = {}, onChange }: Props) {
  const set = (patch: Partial<RuleDraft>) => onChange({ ...draft, ...patch });
  const text = (key: keyof RuleDraft, testId: string, extra: { placeholder?: string; maxLength?: number; inputMode?: 'numeric' } = {}) => (
    <input value={draft[key]} onChange={(e) => set({ [key]: e.target.value })} data-testid={testId} spellCheck={false} {...extra} />
  );
  return (
    <div className="bf-form" data-testid="backfill-form">
      <Field label="Name" error={errors.name} wide>
        {text('name', 'bf-name', { placeholder: 'e.g. News events without an insight', maxLength: 80 })}
      </Field>
      <Field label="Query: one SELECT whose first column is the item key; it runs read-only, with a timeout" error={errors.query} wide>
        <textarea
          className="bf-query mono"
          rows={5}
          value={draft.query}
          placeholder={`-- e.g.\n${EXAMPLE_QUERY}`}
          onChange={(e) => set({ query: e.target.value })}
          data-testid="bf-query"
          spellCheck={false}
          maxLength={20_000}
        />
      </Field>
      <div className="bf-grid">
        <Field label="Task" error={errors.task}>
          {text('task', 'bf-task', { placeholder: 'e.g. generate_insight', maxLength: 200 })}
        </Field>
        <Field label="Payload key" error={errors.payloadKey} hint={`payload: { "${draft.payloadKey || 'eventId'}": <key> }`}>
          {text('payloadKey', 'bf-payload-key', { placeholder: 'e.g. eventId', maxLength: 100 })}
        </Field>
        <Field label="Key as">
          <select
            value={draft.keyType}
            onChange={(e) => set({ keyType: e.target.value as RuleDraft['keyType'] })}
            data-testid="bf-key-type"
          >
            <option value="auto">number when numeric</option>
            <option value="string">always text</option>
          </select>
        </Field>
        <Field label="Queue" error={errors.queue} hint="empty: the shared pool">
          {text('queue', 'bf-queue', { placeholder: 'e.g. insights (optional)', maxLength: 200 })}
        </Field>
        <Field label="Job key" error={errors.jobKey} hint="an item whose key names a job is never queued again">
          {text('jobKey', 'bf-job-key', { maxLength: 200 })}
        </Field>
        <Field label="Batch size" error={errors.batchSize}>
          {text('batchSize', 'bf-batch', { inputMode: 'numeric' })}
        </Field>
        <Field label="Max attempts" error={errors.maxAttempts}>
          {text('maxAttempts', 'bf-attempts', { inputMode: 'numeric' })}
        </Field>
        <Field label="Priority" error={errors.priority} hint="lower runs first">
          {text('priority', 'bf-priority', { inputMode: 'numeric' })}
        </Field>
        <Field label="Timeout (s)" error={errors.timeoutSeconds}>
          {text('timeoutSeconds', 'bf-timeout', { inputMode: 'numeric' })}
        </Field>
        <Field label="Schedule" hint="runs through the hosted runner">
          <select value={draft.scheduleMinutes} onChange={(e) => set({ scheduleMinutes: e.target.value })} data-testid="bf-schedule">
            <option value="">manual only</option>
            {SCHEDULE_CHOICES.map((m) => (
              <option key={m} value={m}>
                {scheduleLabel(m)}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Extra payload (JSON)" error={errors.payloadExtra} wide>
          {text('payloadExtra', 'bf-extra', { placeholder: 'e.g. {"model": "gpt-4o-mini"}', maxLength: 10_000 })}
        </Field>
      </div>
    </div>
  );
}
