import { useRef } from 'react';
import { api } from '../../api/client.ts';
import { useToasts } from '../../store/toast-store.ts';

/** Export the rules as a JSON file; import one (validated by the engine, rule by rule, before anything is saved). */
export function ImportExport({ onImported, canExport }: { onImported(): void; canExport: boolean }) {
  const fileRef = useRef<HTMLInputElement>(null);
  const toast = useToasts.getState().push;

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
      toast('error', 'Could not export the rules', (error as Error).message);
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
      const { created, updated } = await api.call('backfill.import', { document: document as never });
      toast('info', 'Rules imported', `${created} added, ${updated} updated`);
      onImported();
    } catch (error) {
      toast('error', 'Could not import the rules', (error as Error).message);
    }
  };

  return (
    <div className="bf-io">
      <button className="btn btn-ghost" onClick={() => void exportRules()} disabled={!canExport} data-testid="bf-export">
        Export
      </button>
      <button className="btn btn-ghost" onClick={() => fileRef.current?.click()} data-testid="bf-import">
        Import
      </button>
      <input
        ref={fileRef}
        type="file"
        accept="application/json,.json"
        hidden
        data-testid="bf-import-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void importFile(file);
        }}
      />
    </div>
  );
}
