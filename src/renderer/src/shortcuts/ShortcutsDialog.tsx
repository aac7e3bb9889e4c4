import { useModalDialog } from '../hooks/useModalDialog.ts';
import type { Shortcut } from './keymap.ts';

const KEY_NAMES: Record<string, string> = { Enter: '↵ Enter' };

/** The list `?` opens: every shortcut, from the same table the key handler matches. */
export function ShortcutsDialog({ open, shortcuts, onClose }: { open: boolean; shortcuts: Shortcut[]; onClose: () => void }) {
  const ref = useModalDialog(open);
  return (
    <dialog
      ref={ref}
      className="dialog shortcuts-dialog"
      aria-labelledby="shortcuts-title"
      data-testid="shortcuts-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <p className="dialog-body">Not while typing in a field. Press the keys of a pair one after the other.</p>
      <dl className="shortcut-list">
        {shortcuts.map((s) => (
          <div key={s.keys.join(' ')} className="shortcut-item">
            <dt>
              {s.keys.map((k, i) => (
                <kbd key={i}>{KEY_NAMES[k] ?? k}</kbd>
              ))}
            </dt>
            <dd>{s.label}</dd>
          </div>
        ))}
      </dl>
      <div className="dialog-actions">
        <button className="btn" onClick={onClose} autoFocus data-testid="shortcuts-close">
          Close
        </button>
      </div>
    </dialog>
  );
}
