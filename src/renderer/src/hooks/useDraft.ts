import { useEffect, useLayoutEffect, useRef, useState } from 'react';

/**
 * A local value for a control bound to engine state: it follows the engine's value, except while the
 * operator is editing (and for a moment after), so pushed updates never yank a slider from under the mouse.
 * `commit` is debounced.
 */
export function useDraft<T>(value: T, commit: (value: T) => void, delayMs = 250): [T, (value: T) => void] {
  const [draft, setDraft] = useState(value);
  const editedAt = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // The latest `commit` for the debounce timer; refs are written after render, never during it.
  const commitRef = useRef(commit);
  useLayoutEffect(() => {
    commitRef.current = commit;
  });

  useEffect(() => {
    if (Date.now() - editedAt.current > delayMs + 1500) setDraft(value);
  }, [value, delayMs]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const change = (next: T) => {
    editedAt.current = Date.now();
    setDraft(next);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => commitRef.current(next), delayMs);
  };
  return [draft, change];
}
