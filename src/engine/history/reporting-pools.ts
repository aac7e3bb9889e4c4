import type pg from 'pg';
import type { LogFn } from '../logger.ts';
import { describePgError } from '../pg/pg-errors.ts';
import type { CompanionStore } from './companion-store.ts';

/** A reporting pool as `jobdeck.workers` describes it. */
export interface ReportingPool {
  poolId: string;
  host: string | null;
  live: boolean;
}

/** The reporting pools are read again this often (and when attempts of a pool not known yet arrive). */
const EVERY_MS = 5_000;

/**
 * The pools that report through the companion, read from `jobdeck.workers` now and then and whenever attempts
 * of an unknown pool arrive (its host is then kept for the jobs it ran). A pool that table does not have is asked
 * for once, not at every page.
 */
export class ReportingPools {
  private pools = new Map<string, ReportingPool>();
  private readAt = 0;
  private readonly unknown = new Set<string>();
  private readonly absent = new Set<string>();

  constructor(
    private readonly store: CompanionStore,
    private readonly log: LogFn,
  ) {}

  list(): ReportingPool[] {
    return [...this.pools.values()];
  }

  /** Known, or known to be absent from jobdeck.workers. */
  known(poolId: string): boolean {
    return this.pools.has(poolId) || this.absent.has(poolId);
  }

  /** Pools of attempts just read that are not known: read at the next refresh. */
  ask(poolIds: Iterable<string>): void {
    for (const id of poolIds) if (this.unknown.size < 1_000) this.unknown.add(id);
  }

  clear(): void {
    this.pools = new Map();
  }

  async refreshIfDue(pool: Pick<pg.Pool, 'query'>): Promise<void> {
    if (this.unknown.size === 0 && Date.now() - this.readAt < EVERY_MS) return;
    this.readAt = Date.now();
    const asked = [...this.unknown];
    this.unknown.clear();
    try {
      this.pools = await this.store.readPools(pool, asked);
      if (this.absent.size > 10_000) this.absent.clear();
      for (const id of asked) if (!this.pools.has(id)) this.absent.add(id);
    } catch (error) {
      this.log('warn', `history: cannot read jobdeck.workers: ${describePgError(error)}`);
    }
  }
}
