/**
 * The element focused now, to focus again when a dialog closes: the browser restores it only for a dialog closed
 * through close(), not for one React unmounts, and the operator's place (the button that opened it) was lost to the
 * page's body. An element inside a dialog is not kept (a dialog opened from another, or React's second effect run).
 */
export function focusReturner(): () => void {
  const previous = document.activeElement;
  const keep = previous instanceof HTMLElement && previous !== document.body && !previous.closest('dialog') ? previous : null;
  return () => {
    if (keep?.isConnected) keep.focus();
  };
}
