import { useOpMutation, useStatus } from '../data/use-op.ts';
import { toastError } from '../store/toast-store.ts';
import { useDraft } from '../hooks/useDraft.ts';
import { formatPercent } from '../format.ts';
import type { FailureMixSettings } from '../../../shared/model/demo.ts';
import { errorTypeInfo } from '../views/jobs/jobs-format.ts';
import { MIX } from './demo-mix.ts';

/** Sends a change of the demo; its answer patches the engine status at once (data/writes.ts). */
function useUpdateDemo() {
  return useOpMutation('demo.update', { onError: (e) => toastError('Could not change the demo', e) }).mutate;
}

/** A slider goes up to half of all calls, and never past what the other kinds leave (the mix adds up to at most 1). */
function MixSlider({ field, value, max }: { field: (typeof MIX)[number]; value: number; max: number }) {
  const update = useUpdateDemo();
  const [draft, change] = useDraft(value, (v) => update({ mix: { [field.key]: v } }));
  return (
    <label className="demo-control" title={`${field.hint}: in Failures as "${errorTypeInfo(field.filedAs).label}"`}>
      <span className="demo-label">{field.label}</span>
      <input type="range" min={0} max={max} step={0.01} value={draft} onChange={(e) => change(Number(e.target.value))} />
      <span className="demo-value num">{formatPercent(draft)}</span>
    </label>
  );
}

function RateSlider({ value }: { value: number }) {
  const update = useUpdateDemo();
  const [draft, change] = useDraft(value, (v) => update({ ratePerSecond: v }));
  return (
    <label className="demo-control demo-rate" title="New demo jobs enqueued per second">
      <span className="demo-label">Jobs/s</span>
      <input type="range" min={0} max={50} step={0.5} value={draft} onChange={(e) => change(Number(e.target.value))} />
      <span className="demo-value num">{draft.toFixed(1)}</span>
    </label>
  );
}

/** How high one kind of failure may go: half of all calls, at most what the others leave (whole percents). */
function roomFor(mix: FailureMixSettings, key: keyof FailureMixSettings): number {
  const others = MIX.reduce((sum, f) => (f.key === key ? sum : sum + mix[f.key]), 0);
  return Math.max(0, Math.min(0.5, Math.floor((1 - others) * 100 + 1e-9) / 100));
}

/** The demo's producer rate and simulated provider failure mix, shown only while the demo runs. */
export function DemoBar() {
  const demo = useStatus((s) => s.demo);
  if (!demo?.active) return null;
  return (
    <div className="demo-bar" aria-label="Demo controls">
      <span className="demo-tag" title={demo.llmBaseUrl ? `Simulated provider at ${demo.llmBaseUrl}` : undefined}>
        Demo
      </span>
      <RateSlider value={demo.ratePerSecond} />
      <span className="demo-sep" aria-hidden="true" />
      <span className="demo-caption" title="Share of calls the simulated LLM provider fails, by kind">
        Failures
      </span>
      {MIX.map((field) => (
        <MixSlider key={field.key} field={field} value={demo.mix[field.key]} max={roomFor(demo.mix, field.key)} />
      ))}
    </div>
  );
}
