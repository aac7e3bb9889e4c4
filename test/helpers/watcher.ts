import type pg from 'pg';
import type { Db } from '../../src/engine/store/db.ts';
import { attemptsRepo } from '../../src/engine/history/attempts-repo.ts';
import { DbWatcher, type WatcherOptions } from '../../src/engine/history/watcher.ts';
import { classifyError } from '../../src/shared/errors/index.ts';

/**
 * A history watcher of connection 'c1' writing to `db`, as the engine builds one (built-in error types, no log),
 * with any other options given.
 */
export const watcherOf = (pool: pg.Pool, db: Db, options: Partial<WatcherOptions> = {}): DbWatcher =>
  new DbWatcher({ pool, db, connectionId: 'c1', attempts: attemptsRepo(db), classify: (m) => classifyError(m), log: () => {}, ...options });
