import { StoreMigrationError } from '../engine/index.ts';

/** The start-up step that failed: creating the engine (opening the SQLite file) or starting it. */
export type StartupPhase = 'create' | 'start';

/** What the start-up failure page says, and which file its "Show in folder" button reveals. */
export interface StartupFailure {
  title: string;
  /** What happened, in one or two sentences. */
  summary: string;
  /** Facts and steps, one per line: the file involved, what to do. */
  details: string[];
  /** The error's own message, for a bug report. */
  error: string;
  /** The file or folder "Show in folder" reveals; null hides the button. Kept in main, never read back from the page. */
  reveal: string | null;
}

/** What the page receives through its URL query: everything but the path to reveal (the page only asks for it). */
export interface StartupFailurePage extends Omit<StartupFailure, 'reveal'> {
  canReveal: boolean;
}

const MAX_ERROR_CHARS = 4000;

/** Turns whatever start-up threw into what the operator reads and can do about it. */
export function describeStartupFailure(error: unknown, context: { dataDir: string; phase: StartupPhase }): StartupFailure {
  const message = messageOf(error);
  if (error instanceof StoreMigrationError && error.kind === 'newer') {
    return {
      title: 'This data file was written by a newer Jobdeck',
      summary: 'A newer version of Jobdeck has used this SQLite file, and this version cannot read what it changed.',
      details: [
        `File: ${error.file}`,
        'Open it with that newer version of Jobdeck, or',
        'quit, move the file aside (keep it for the newer version) and start this one again with an empty history.',
      ],
      error: message,
      reveal: error.file,
    };
  }
  if (error instanceof StoreMigrationError) {
    return {
      title: "This data file does not match this build's migrations",
      summary: 'A migration that already ran on this SQLite file has changed since (a development build edited it).',
      details: [
        `File: ${error.file}`,
        'Open it with the build that created it, or',
        'quit, move the file aside and start again with an empty history.',
      ],
      error: message,
      reveal: error.file,
    };
  }
  if (/NODE_MODULE_VERSION|compiled against a different Node\.js version|better_sqlite3\.node/.test(message)) {
    return {
      title: "Jobdeck's SQLite module does not match this Electron",
      summary: 'better-sqlite3 was built for Node.js, whose native interface differs from the one Electron embeds.',
      details: [
        'Start Jobdeck with `npm start`, which first builds better-sqlite3 for Electron (scripts/electron-native.mjs),',
        'or run `node scripts/electron-native.mjs` once, then start again.',
      ],
      error: message,
      reveal: null,
    };
  }
  return {
    title: 'Jobdeck could not start',
    summary:
      context.phase === 'create'
        ? 'Opening its local data (the SQLite file that keeps connections, history and the audit log) failed.'
        : 'Starting the engine (the database connection and the runner) failed.',
    details: [`Data folder: ${context.dataDir}`, 'Check that the folder exists and is writable, then start Jobdeck again.'],
    error: message,
    reveal: context.dataDir,
  };
}

/** The page's query: the description as JSON, which the page shows as text (never as HTML). */
export function startupFailureQuery(failure: StartupFailure): Record<string, string> {
  const { reveal, ...rest } = failure;
  const page: StartupFailurePage = { ...rest, canReveal: reveal !== null };
  return { failure: JSON.stringify(page) };
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

/** What the page's links ask main to do. */
export type StartupFailureAction = 'reveal' | 'quit';

/**
 * The page's buttons are links to `#reveal` and `#quit` opened with target="_blank", so main sees them in the
 * window-open handler (and denies the window). Anything but those two fragments of the page itself is ignored.
 */
export function startupFailureAction(url: string, pageUrl: string): StartupFailureAction | null {
  const base = pageUrl.split('#')[0];
  if (!url.startsWith(`${base}#`)) return null;
  const action = url.slice(base.length + 1);
  return action === 'reveal' || action === 'quit' ? action : null;
}
