/**
 * The console's keyboard shortcuts, declared once: the key handler (use-shortcuts.ts) matches them and the help
 * dialog (`?`) lists them, so the two cannot disagree. No DOM here: the matcher is a plain function of keys and times.
 */
export type ShortcutAction =
  { kind: 'search' } | { kind: 'help' } | { kind: 'go'; path: string } | { kind: 'move'; by: 1 | -1 } | { kind: 'open' };

export interface Shortcut {
  /** The keys in order, as KeyboardEvent.key gives them ('g', 'o'). */
  keys: string[];
  label: string;
  action: ShortcutAction;
}

/** One letter per view after `g`; a view missing from the routes gets no shortcut. */
export const GO_KEYS: Record<string, string> = {
  overview: 'o',
  jobs: 'j',
  failures: 'f',
  workers: 'w',
  usage: 'u',
  alerts: 'a',
  stuck: 's',
  backfill: 'b',
  audit: 'l',
  cron: 'c',
  connections: 'n',
};

/** The shortcuts for the views the console has (`views`: path and label, in the navigation's order). */
export function buildShortcuts(views: { path: string; label: string }[]): Shortcut[] {
  const go = views
    .filter((v) => GO_KEYS[v.path])
    .map((v): Shortcut => ({ keys: ['g', GO_KEYS[v.path]], label: `Go to ${v.label}`, action: { kind: 'go', path: v.path } }));
  return [
    { keys: ['/'], label: 'Search jobs', action: { kind: 'search' } },
    ...go,
    { keys: ['j'], label: 'Next row in the list', action: { kind: 'move', by: 1 } },
    { keys: ['k'], label: 'Previous row in the list', action: { kind: 'move', by: -1 } },
    { keys: ['Enter'], label: 'Open the chosen row', action: { kind: 'open' } },
    { keys: ['?'], label: 'Show these shortcuts', action: { kind: 'help' } },
  ];
}

/** How long the second key of a sequence (`g` then `o`) may wait. */
export const SEQUENCE_MS = 1500;

export type MatchResult = { action: ShortcutAction } | 'pending' | null;

/**
 * A matcher over a stream of keys: feed it each key with its time; it answers the action a sequence completes,
 * 'pending' while a sequence is under way, or null. Enter is matched by the handler only on a chosen row.
 */
export function createMatcher(shortcuts: Shortcut[]) {
  let pending: { keys: string[]; at: number } | null = null;
  return (key: string, at: number): MatchResult => {
    const prefix = pending && at - pending.at <= SEQUENCE_MS ? pending.keys : [];
    pending = null;
    for (const keys of prefix.length ? [[...prefix, key], [key]] : [[key]]) {
      const exact = shortcuts.find((s) => s.keys.length === keys.length && s.keys.every((k, i) => k === keys[i]));
      if (exact) return { action: exact.action };
      const started = shortcuts.some((s) => s.keys.length > keys.length && keys.every((k, i) => s.keys[i] === k));
      if (started) {
        pending = { keys, at };
        return 'pending';
      }
    }
    return null;
  };
}
