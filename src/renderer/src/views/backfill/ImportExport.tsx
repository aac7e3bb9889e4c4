import { JsonImportButton } from '../../components/JsonImportButton.tsx';
import { api } from '../../api/client.ts';
import { useOpMutation } from '../../data/use-op.ts';
import { toastError, useToasts } from '../../store/toast-store.ts';

/** Export the rules as a JSON file; import one (validated by the engine, rule by rule, before anything is saved). */
export function ImportExport({ canExport }: { canExport: boolean }) {
  const toast = useToasts.getState().push;
  // The rules list is read again after an import (data/writes.ts).
  const importRules = useOpMutation('backfill.import');

  const exportRules = async () => {
    try {
      const doc = await api.call('backfill.export', {});
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `jobdeck-backfill-rules-${doc.exportedAt.slice(0, 10)}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      toastError('Could not export the rules', error);
    }
  };

  const importFile = async (file: File) => {
    try {
      if (file.size > 900_000) throw new Error('The file is larger than 900 KB');
      let document: unknown;
      try {
        document = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not JSON`);
      }
      const { created, updated } = await importRules.mutateAsync({ document: document as never });
      toast('info', 'Rules imported', `${created} added, ${updated} updated`);
    } catch (error) {
      toastError('Could not import the rules', error);
    }
  };

  return (
    <div className="bf-io">
      <button className="btn btn-ghost" onClick={() => void exportRules()} disabled={!canExport} data-testid="bf-export">
        Export
      </button>
      <JsonImportButton testId="bf-import" onFile={(file) => void importFile(file)} />
    </div>
  );
}
