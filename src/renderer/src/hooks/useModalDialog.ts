import { useEffect, useRef } from 'react';
import { focusReturner } from './focus-return.ts';

/**
 * A native `<dialog>` shown as a modal (focus trap, Escape, backdrop) while `open`, closed otherwise: put the
 * returned ref on it. Closed or unmounted, it gives the focus back to what had it before it opened.
 */
export function useModalDialog(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null);
  const giveBack = useRef<(() => void) | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      giveBack.current = focusReturner();
      dialog.showModal();
    }
    if (!open && dialog.open) {
      dialog.close();
      giveBack.current?.();
      giveBack.current = null;
    }
  }, [open]);
  useEffect(() => () => giveBack.current?.(), []);
  return ref;
}
