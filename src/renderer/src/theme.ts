import { useSyncExternalStore } from 'react';

/**
 * The colour theme: the operator's choice (system, light or dark), kept in localStorage, and the theme it comes to,
 * set on <html data-theme> where styles.css reads it. public/theme-init.js sets both before the first paint with
 * the same key and rule; this module follows the system's preference while the choice is "system".
 */
export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'jobdeck.theme';
const LIGHT_QUERY = '(prefers-color-scheme: light)';

function readChoice(): ThemeChoice {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    return saved === 'light' || saved === 'dark' ? saved : 'system';
  } catch {
    return 'system'; // storage refused (a locked-down profile): the system decides
  }
}

function resolve(choice: ThemeChoice): Theme {
  if (choice !== 'system') return choice;
  return window.matchMedia(LIGHT_QUERY).matches ? 'light' : 'dark';
}

function apply(choice: ThemeChoice): void {
  const root = document.documentElement;
  root.dataset.theme = resolve(choice);
  root.dataset.themeChoice = choice;
}

const listeners = new Set<() => void>();
let systemWatch: MediaQueryList | null = null;
const onSystemChange = () => {
  apply(readChoice());
  listeners.forEach((l) => l());
};

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!systemWatch) {
    systemWatch = window.matchMedia(LIGHT_QUERY);
    systemWatch.addEventListener('change', onSystemChange);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && systemWatch) {
      systemWatch.removeEventListener('change', onSystemChange);
      systemWatch = null;
    }
  };
}

/** Saves the operator's choice and applies it at once. */
export function setThemeChoice(choice: ThemeChoice): void {
  try {
    if (choice === 'system') window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // not kept across reloads, still applied now
  }
  apply(choice);
  listeners.forEach((l) => l());
}

const snapshot = () => `${document.documentElement.dataset.themeChoice ?? readChoice()}:${document.documentElement.dataset.theme ?? ''}`;

/** The current choice and the theme it resolves to; re-renders when either changes (the system's included). */
export function useTheme(): { choice: ThemeChoice; theme: Theme } {
  const value = useSyncExternalStore(subscribe, snapshot);
  const [choice, theme] = value.split(':');
  return {
    choice: (THEME_CHOICES as readonly string[]).includes(choice) ? (choice as ThemeChoice) : 'system',
    theme: theme === 'light' ? 'light' : 'dark',
  };
}
