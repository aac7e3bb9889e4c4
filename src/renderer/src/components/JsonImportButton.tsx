import { useRef } from 'react';

/** An "Import" button that opens a file chooser for one JSON file and hands the file over (chosen again: again). */
export function JsonImportButton({ onFile, testId }: { onFile: (file: File) => void; testId: string }) {
  const fileRef = useRef<HTMLInputElement>(null);
  return (
    <>
      <button className="btn btn-ghost" onClick={() => fileRef.current?.click()} data-testid={testId}>
        Import
      </button>
      <input
        ref={fileRef}
        type="file"
        accept="application/json,.json"
        hidden
        data-testid={`${testId}-file`}
        onChange={(e) => {
          const file = e.target.files?.[0];
          // Cleared, so that choosing the same file again imports it again.
          e.target.value = '';
          if (file) onFile(file);
        }}
      />
    </>
  );
}
