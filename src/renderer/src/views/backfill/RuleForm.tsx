import type { ReactNode } from 'react';
import { EXAMPLE_QUERY, SCHEDULE_CHOICES, scheduleLabel, type RuleDraft } from './rule-draft.ts';

interface Props {
  draft: RuleDraft;
  onChange(draft: RuleDraft): void;
}

function Field({ label, hint, children, wide }: { label: string; hint?: string; children: ReactNode; wide?: boolean }) {
  return (
    <label className={wide ? 'field bf-wide' : 'field'}>
      <span>{label}</span>
      {children}
      {hint && <span className="field-hint">{hint}</span>}
    </label>
  );
}

/** The fields of a rule: the query that finds items lacking output, and how each becomes a job. */
export function RuleForm({ draft, onChange }: Props) {
  const set = (patch: Partial<RuleDraft>) => onChange({ ...draft, ...patch });
  const text = (key: keyof RuleDraft, testId: string, extra: { placeholder?: string; maxLength?: number; inputMode?: 'numeric' } = {}) => (
    <input value={draft[key]} onChange={(e) => set({ [key]: e.target.value })} data-testid={testId} spellCheck={false} {...extra} />
  );
  return (
    <div className="bf-form" data-testid="backfill-form">
      <Field label="Name" wide>
        {text('name', 'bf-name', { placeholder: 'e.g. News events without an insight', maxLength: 80 })}
      </Field>
      <Field label="Query: one SELECT whose first column is the item key; it runs read-only, with a timeout" wide>
        <textarea
          className="bf-query mono"
          rows={5}
          value={draft.query}
          placeholder={EXAMPLE_QUERY}
          onChange={(e) => set({ query: e.target.value })}
          data-testid="bf-query"
          spellCheck={false}
          maxLength={20_000}
        />
      </Field>
      <div className="bf-grid">
        <Field label="Task">{text('task', 'bf-task', { placeholder: 'generate_insight', maxLength: 200 })}</Field>
        <Field label="Payload key" hint={`payload: { "${draft.payloadKey || 'eventId'}": <key> }`}>
          {text('payloadKey', 'bf-payload-key', { placeholder: 'eventId', maxLength: 100 })}
        </Field>
        <Field label="Key as">
          <select value={draft.keyType} onChange={(e) => set({ keyType: e.target.value as RuleDraft['keyType'] })} data-testid="bf-key-type">
            <option value="auto">number when numeric</option>
            <option value="string">always text</option>
          </select>
        </Field>
        <Field label="Queue" hint="empty: the shared pool">{text('queue', 'bf-queue', { placeholder: 'none', maxLength: 200 })}</Field>
        <Field label="Job key" hint="an item whose key names a job is never queued again">
          {text('jobKey', 'bf-job-key', { maxLength: 200 })}
        </Field>
        <Field label="Batch size">{text('batchSize', 'bf-batch', { inputMode: 'numeric' })}</Field>
        <Field label="Max attempts">{text('maxAttempts', 'bf-attempts', { inputMode: 'numeric' })}</Field>
        <Field label="Priority" hint="lower runs first">{text('priority', 'bf-priority', { inputMode: 'numeric' })}</Field>
        <Field label="Timeout (s)">{text('timeoutSeconds', 'bf-timeout', { inputMode: 'numeric' })}</Field>
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
        <Field label="Extra payload (JSON)" wide>
          {text('payloadExtra', 'bf-extra', { placeholder: '{"model": "gpt-4o-mini"}', maxLength: 10_000 })}
        </Field>
      </div>
    </div>
  );
}
