import { useEffect, useMemo } from 'react';
import { navigate } from '../router.ts';
import { buildShortcuts, createMatcher, type Shortcut, type ShortcutAction } from './keymap.ts';
import { moveInList, openCurrentRow } from './list-nav.ts';

/** Where the operator is typing: keys there are text, never shortcuts. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range'].includes(target.type);
  return false;
}

/** The search box the top bar carries (id job-search), else the view's own search field. */
function focusSearch(): boolean {
  const box =
    document.getElementById('job-search') ?? document.querySelector<HTMLElement>('main input[type="search"], main .filter-search input');
  if (!box) return false;
  box.focus();
  if (box instanceof HTMLInputElement) box.select();
  return true;
}

interface Options {
  views: { path: string; label: string }[];
  /** The element holding the view (the rows j/k move through). */
  mainId: string;
  onHelp: () => void;
}

/**
 * The console's one key listener: `/` search, `g` + a letter for each view, `j`/`k` and Enter in lists, `?` help.
 * Ignored while typing, with a modifier held (the browser's and the OS's shortcuts), and while a dialog is open.
 * Returns the shortcuts, for the help dialog.
 */
export function useShortcuts({ views, mainId, onHelp }: Options): Shortcut[] {
  const shortcuts = useMemo(() => buildShortcuts(views), [views]);
  useEffect(() => {
    const match = createMatcher(shortcuts.filter((s) => s.action.kind !== 'open'));
    const run = (action: ShortcutAction, main: HTMLElement): boolean => {
      switch (action.kind) {
        case 'search':
          return focusSearch();
        case 'help':
          onHelp();
          return true;
        case 'go':
          navigate(action.path);
          return true;
        case 'move':
          return moveInList(main, action.by);
        case 'open':
          return openCurrentRow(main);
      }
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      if (isTyping(event.target) || document.querySelector('dialog[open]')) return;
      const main = document.getElementById(mainId);
      if (!main) return;
      if (event.key === 'Enter') {
        if (run({ kind: 'open' }, main)) event.preventDefault();
        return;
      }
      const result = match(event.key, event.timeStamp);
      if (result === 'pending') event.preventDefault();
      else if (result && run(result.action, main)) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shortcuts, mainId, onHelp]);
  return shortcuts;
}
