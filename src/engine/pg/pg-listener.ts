import type pg from 'pg';
import type { LogFn } from '../logger.ts';

const RETRY_MS = [1000, 2000, 5000, 10_000, 30_000];

export interface ListenerOptions {
  pool: pg.Pool;
  channel: string;
  /** Called for each notification, and once after every (re)connect: what was sent meanwhile was missed. */
  onNotify(): void;
  log: LogFn;
}

/**
 * LISTEN on one channel, on a client of its own taken from the session's pool and kept: a notification wakes its
 * reader at once. A lost connection is replaced with backoff; the reader's own poll covers the gap, and a new
 * listener wakes it once (what was announced meanwhile was missed).
 */
export class PgListener {
  private client: pg.PoolClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private failures = 0;
  private connecting: Promise<void> | null = null;

  constructor(private readonly options: ListenerOptions) {}

  /** Starts listening (nothing when it already does, or is trying to). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connecting = this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.connecting;
    this.drop(this.client);
  }

  private async connect(): Promise<void> {
    let client: pg.PoolClient | null = null;
    try {
      client = await this.options.pool.connect();
      const mine = client;
      // Without a listener, an error of a checked-out client (server restart) would crash the process.
      mine.on('error', () => this.lost(mine));
      mine.on('notification', (m) => {
        if (m.channel === this.options.channel) this.options.onNotify();
      });
      await mine.query(`listen "${this.options.channel.replace(/"/g, '""')}"`);
      if (this.stopped) return this.drop(mine);
      this.client = mine;
      this.failures = 0;
      this.options.onNotify();
    } catch (error) {
      if (client) this.drop(client);
      if (this.failures++ === 0 && !this.stopped)
        this.options.log('info', `LISTEN ${this.options.channel} failed (${(error as Error).message}); polling meanwhile`);
      this.retry();
    } finally {
      this.connecting = null;
    }
  }

  private lost(client: pg.PoolClient): void {
    if (this.client !== client) return;
    this.drop(client);
    this.retry();
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        if (!this.stopped) this.connecting = this.connect();
      },
      RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)],
    );
    this.timer.unref();
  }

  /** Closes the client's connection rather than returning it to the pool with a LISTEN still on. */
  private drop(client: pg.PoolClient | null): void {
    if (!client) return;
    if (this.client === client) this.client = null;
    try {
      client.release(true);
    } catch {
      // released already
    }
  }
}
