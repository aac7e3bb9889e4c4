import { JsonImportButton } from '../../components/JsonImportButton.tsx';
import { useState } from 'react';
import type { ModelPrice } from '../../../../shared/model/usage.ts';
import { errorMessage } from '../../api/client.ts';
import { useOp, useOpMutation } from '../../data/use-op.ts';
import { toastError, useToasts } from '../../store/toast-store.ts';
import { download } from './usage-format.ts';

/** A row being edited: numbers as typed, checked by the engine when saved. */
interface DraftRow {
  model: string;
  validFrom: string;
  input: string;
  cached: string;
  output: string;
  isDefault: boolean;
}

const toDraft = (p: ModelPrice): DraftRow => ({
  model: p.model,
  validFrom: p.validFrom,
  input: String(p.inputPerMillion),
  cached: p.cachedInputPerMillion === null ? '' : String(p.cachedInputPerMillion),
  output: String(p.outputPerMillion),
  isDefault: p.isDefault,
});

/** Text that is not a number is sent as text, so the engine refuses it with its reason (never a silent 0). */
const num = (s: string): number | string => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);

const fromDraft = (d: DraftRow) => ({
  model: d.model.trim(),
  validFrom: d.validFrom.trim(),
  inputPerMillion: num(d.input),
  cachedInputPerMillion: d.cached.trim() === '' ? null : num(d.cached),
  outputPerMillion: num(d.output),
  isDefault: d.isDefault,
});

/** The price table: edit in place, add and remove rows, export and import JSON. Saved as a whole. */
export function PricesPanel() {
  const table = useOp('usage.prices.get', {});
  const save = useOpMutation('usage.prices.set');
  const restore = useOpMutation('usage.prices.restoreDefaults', {
    onSuccess: () => useToasts.getState().push('info', 'Built-in prices restored', 'Your own rows are kept'),
    onError: (e) => toastError('Could not restore the built-in prices', e),
  });
  const missing = table.data?.builtInMissing ?? [];
  const [draft, setDraft] = useState<DraftRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const rows = draft ?? table.data?.prices.map(toDraft) ?? [];

  const edit = (i: number, patch: Partial<DraftRow>) =>
    setDraft(rows.map((r, j) => (j === i ? { ...r, ...patch, isDefault: patch.isDefault ?? false } : r)));

  const submit = async (prices: unknown[]) => {
    try {
      await save.mutateAsync({ prices: prices as never });
      setDraft(null);
      setError(null);
      useToasts.getState().push('info', 'Prices saved', 'Costs are priced from the new table');
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const importFile = async (file: File) => {
    try {
      const doc = JSON.parse(await file.text()) as unknown;
      const prices = Array.isArray(doc) ? doc : (doc as { prices?: unknown }).prices;
      if (!Array.isArray(prices)) throw new Error(`${file.name} has no "prices" list`);
      await submit(prices);
    } catch (e) {
      toastError('Could not import the prices', e);
    }
  };

  return (
    <section className="panel" data-testid="usage-prices">
      <div className="panel-head">
        <h2>Prices</h2>
        <span className="panel-note">USD per million tokens; a cost the task gives itself wins over the table</span>
        <div className="usage-price-actions">
          <button
            className="btn btn-ghost"
            onClick={() =>
              table.data && download('jobdeck-prices.json', 'application/json', JSON.stringify({ prices: table.data.prices }, null, 2))
            }
            data-testid="prices-export"
          >
            Export
          </button>
          <JsonImportButton testId="prices-import" onFile={(file) => void importFile(file)} />
        </div>
      </div>
      {error && (
        <div className="form-error" role="alert" data-testid="prices-error">
          {error}
        </div>
      )}
      <div className="table-scroll">
        <table className="counts-table usage-prices-table">
          <thead>
            <tr>
              <th className="name-col">Model</th>
              <th>From (UTC)</th>
              <th>Input</th>
              <th>Cached input</th>
              <th>Output</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} data-testid="price-row">
                <td className="name-col">
                  <input aria-label="Model" value={r.model} onChange={(e) => edit(i, { model: e.target.value })} />
                  {r.isDefault && (
                    <span className="badge usage-default" title="Shipped with Jobdeck: check it against the provider's current prices">
                      default, check
                    </span>
                  )}
                </td>
                <td>
                  <input
                    aria-label="Valid from"
                    className="price-date"
                    value={r.validFrom}
                    size={10}
                    onChange={(e) => edit(i, { validFrom: e.target.value })}
                  />
                </td>
                <td>
                  <input aria-label="Input price" value={r.input} size={7} onChange={(e) => edit(i, { input: e.target.value })} />
                </td>
                <td>
                  <input
                    aria-label="Cached input price"
                    value={r.cached}
                    size={7}
                    placeholder="as input"
                    onChange={(e) => edit(i, { cached: e.target.value })}
                  />
                </td>
                <td>
                  <input aria-label="Output price" value={r.output} size={7} onChange={(e) => edit(i, { output: e.target.value })} />
                </td>
                <td>
                  <button className="btn btn-ghost" title="Remove this price" onClick={() => setDraft(rows.filter((_, j) => j !== i))}>
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="usage-price-foot">
        <button
          className="btn btn-ghost"
          data-testid="price-add"
          onClick={() =>
            setDraft([
              ...rows,
              { model: '', validFrom: new Date().toISOString().slice(0, 10), input: '', cached: '', output: '', isDefault: false },
            ])
          }
        >
          Add a model
        </button>
        {!draft && missing.length > 0 && (
          // A table saved or imported without them leaves those models unpriced: "no price" on every cost of theirs.
          <button
            className="btn btn-ghost"
            data-testid="prices-restore"
            disabled={restore.isPending}
            title={`No price for ${missing.join(', ')}: adds back the prices Jobdeck ships for them (your rows are kept)`}
            onClick={() => restore.mutate({})}
          >
            Restore {missing.length === 1 ? 'the built-in price' : `${missing.length} built-in prices`}
          </button>
        )}
        {draft && (
          <>
            <button
              className="btn btn-primary"
              data-testid="prices-save"
              disabled={save.isPending}
              onClick={() => void submit(draft.map(fromDraft))}
            >
              Save prices
            </button>
            <button
              className="btn btn-ghost"
              onClick={() => {
                setDraft(null);
                setError(null);
              }}
            >
              Discard changes
            </button>
          </>
        )}
      </div>
    </section>
  );
}
