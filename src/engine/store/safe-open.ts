import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { StoreIncident } from '../../shared/model/status.ts';
import { openStore, type Db, type OpenStoreOptions } from './db.ts';
import { lockDataFolder } from './folder-lock.ts';

export const STORE_FILE = 'jobdeck.sqlite';
/** Written beside the file once it exists: a missing or emptied file is then known to have held data. */
const MARKER_SUFFIX = '.created';
/** The copy written when the file is deleted while Jobdeck runs (see store/file-guard.ts). */
export const RESTORED_SUFFIX = '.restored';
/** Written beside the file when Jobdeck closed it cleanly (noteCleanClose), removed as the next start opens it. */
const CLOSED_SUFFIX = '.closed';

/** What the console lost when its file is replaced: everything Jobdeck keeps in it. */
export const LOST = 'saved connections, job history, the audit log, error-type and backfill rules, and settings recorded before';

export interface SafeStore {
  db: Db;
  file: string;
  /** What happened to the file before this start (shown as a banner until Jobdeck restarts). */
  incidents: StoreIncident[];
  /**
   * How the file was found sound: `quick_check` read every page; `closed cleanly` trusted the stamp of the last
   * clean close (the file unchanged since); `new` for a file this start created.
   */
  checked: 'quick_check' | 'closed cleanly' | 'new';
  /** Lets go of the data folder (see folder-lock.ts), once the file is closed. */
  releaseFolder(): void;
}

/**
 * Opens Jobdeck's SQLite file, creating the folder (0700) and the file (0600) readable by their owner only, after
 * making sure it is sound: a file SQLite cannot read, or whose quick_check fails, is moved aside (kept, named in the
 * incident) and a fresh one started; a file that was deleted or emptied while Jobdeck was stopped is said so. A
 * migration error (a newer Jobdeck wrote the file) is not damage: it is thrown, and the file left where it is.
 *
 * quick_check reads every page: about 2 ms per MB, seconds for the history of a busy fleet, before the ready line.
 * It is skipped when Jobdeck closed the file cleanly last time and nothing changed it since (its stamp, see
 * noteCleanClose): after a crash, a kill, a change by another program or a copy from elsewhere, the check runs.
 *
 * The data folder is this process's while the store is open: another live Jobdeck's start is refused
 * (DataFolderInUseError), before anything in the folder is touched.
 */
export function openSafeStore(dataDir: string, options: OpenStoreOptions = {}): SafeStore {
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const releaseFolder = lockDataFolder(dataDir);
  try {
    return openLockedStore(dataDir, options, releaseFolder);
  } catch (error) {
    releaseFolder();
    throw error;
  }
}

function openLockedStore(dataDir: string, options: OpenStoreOptions, releaseFolder: () => void): SafeStore {
  const file = path.join(dataDir, STORE_FILE);
  const marker = `${file}${MARKER_SUFFIX}`;
  const incidents: StoreIncident[] = [];
  const now = new Date().toISOString();
  const since = readMarker(marker);
  // Read and removed before anything opens the file: if this run does not close it cleanly, the next start checks.
  const closedCleanly = takeCleanClose(file);
  let checked: SafeStore['checked'] = 'new';

  if (!existsSync(file) && existsSync(`${file}${RESTORED_SUFFIX}`)) {
    // The file was deleted while Jobdeck ran and it stopped before putting the copy back (a crash): adopt the copy.
    renameSync(`${file}${RESTORED_SUFFIX}`, file);
    incidents.push({
      kind: 'restored',
      at: now,
      file,
      movedTo: null,
      detail: `The data file was missing; Jobdeck put back the copy it wrote when the file was deleted while it ran.`,
      lost: 'only what was recorded after that copy, had Jobdeck not stopped cleanly',
    });
  } else if (!existsSync(file) && since) {
    incidents.push({
      kind: 'missing',
      at: now,
      file,
      movedTo: null,
      detail: `The data file was deleted while Jobdeck was stopped; a fresh one was started.`,
      lost: `${LOST} ${since}`,
    });
  } else if (existsSync(file) && statSync(file).size === 0 && since) {
    incidents.push({
      kind: 'emptied',
      at: now,
      file,
      movedTo: null,
      detail: 'The data file was emptied (truncated to nothing) while Jobdeck was stopped; a fresh one was started.',
      lost: `${LOST} ${since}`,
    });
  } else if (existsSync(file)) {
    checked = closedCleanly ? 'closed cleanly' : 'quick_check';
    const damage = closedCleanly ? null : damageOf(file, options);
    if (damage) {
      const movedTo = moveAside(file, now);
      incidents.push({
        kind: 'damaged',
        at: now,
        file,
        movedTo,
        detail: `SQLite could not use it (${damage}), so it was moved aside and a fresh one was started.`,
        lost: `${LOST} ${since ?? 'this start'} (they are still in the file moved aside)`,
      });
    }
  }

  const db = openStore(file, options);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  if (!since || incidents.length) writeFileSync(marker, JSON.stringify({ createdAt: now }), { mode: 0o600 });
  return { db, file, incidents, checked, releaseFolder };
}

interface CleanClose {
  size: number;
  mtimeMs: number;
  ino: number;
}

/**
 * Called once Jobdeck has closed the file without trouble (its write-ahead log checkpointed into it): stamps the
 * file's size, modification time and inode, so the next start knows it was left whole. Never throws: without the
 * stamp, the next start only checks the file.
 */
export function noteCleanClose(file: string): void {
  try {
    if (existsSync(`${file}-wal`)) return; // another connection still has it open: not a clean close
    const { size, mtimeMs, ino } = statSync(file);
    const stamp: CleanClose = { size, mtimeMs, ino };
    writeFileSync(`${file}${CLOSED_SUFFIX}`, JSON.stringify(stamp), { mode: 0o600 });
  } catch {
    // the next start checks the file
  }
}

/** Whether the file is as Jobdeck's last clean close left it (stamp removed either way). */
function takeCleanClose(file: string): boolean {
  const stampFile = `${file}${CLOSED_SUFFIX}`;
  let stamp: Partial<CleanClose>;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as Partial<CleanClose>;
  } catch {
    return false; // no stamp (a crash, a first start, an older Jobdeck), or not ours to read
  }
  rmSync(stampFile, { force: true });
  try {
    if (existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0) return false;
    const now = statSync(file);
    return now.size === stamp.size && now.mtimeMs === stamp.mtimeMs && now.ino === stamp.ino;
  } catch {
    return false;
  }
}

function readMarker(marker: string): string | null {
  try {
    const parsed = JSON.parse(readFileSync(marker, 'utf8')) as { createdAt?: unknown };
    const at = typeof parsed.createdAt === 'string' ? new Date(parsed.createdAt) : null;
    // Said in words in the banner: "recorded before 2026-11-30 08:00 UTC".
    return at && !Number.isNaN(at.getTime()) ? `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'this start';
  } catch {
    return null;
  }
}

/** Why the file cannot be used as Jobdeck's store, or null when it is sound. */
function damageOf(file: string, options: OpenStoreOptions): string | null {
  let probe: Database.Database | undefined;
  try {
    // Read-write, as Jobdeck opens it: after a crash SQLite replays the write-ahead log first (read-only may not).
    probe = new Database(file, { fileMustExist: true, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}) });
    // quick_check reads every page but skips the index-to-table cross-checks of integrity_check: seconds for a large file.
    const rows = probe.pragma('quick_check') as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    return problems.length ? `quick_check: ${problems.slice(0, 3).join('; ')}` : null;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    // Not ours to judge: a folder or file the process may not read is an error the operator must fix.
    if (e.code === 'EACCES' || e.code === 'SQLITE_CANTOPEN' || e.code === 'SQLITE_READONLY' || e.code === 'SQLITE_PERM') throw error;
    return e.message ?? String(error);
  } finally {
    probe?.close();
  }
}

/** Renames the file (and its WAL, which belongs to it) to `<file>.damaged-<time>`; the shared-memory file goes. */
function moveAside(file: string, at: string): string {
  const movedTo = `${file}.damaged-${at.replace(/[:.]/g, '-')}`;
  renameSync(file, movedTo);
  if (existsSync(`${file}-wal`)) renameSync(`${file}-wal`, `${movedTo}-wal`);
  rmSync(`${file}-shm`, { force: true });
  return movedTo;
}
