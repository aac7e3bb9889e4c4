/** The few logger methods the companion uses: graphile-worker's Logger fits, and so does `console`. */
export interface CompanionLogger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

const consoleLogger: CompanionLogger = {
  error: (m) => console.error(m),
  warn: (m) => console.warn(m),
  info: (m) => console.info(m),
  debug: () => {},
};

/**
 * Logs each kind of problem once, then at most once per `everyMs` with the number of repeats in between:
 * a database outage must not flood the worker's logs with one line per flush.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  private adopted = false;

  constructor(
    private logger: CompanionLogger = consoleLogger,
    private readonly everyMs = 60_000,
  ) {}

  /** The process-wide log (calls outside any pool) writes to the first pool's logger, the one the user configured. */
  adoptOnce(logger: CompanionLogger | undefined): void {
    if (this.adopted || !logger) return;
    this.logger = logger;
    this.adopted = true;
  }

  warn(key: string, message: string): void {
    this.emit('warn', key, message);
  }

  error(key: string, message: string): void {
    this.emit('error', key, message);
  }

  info(message: string): void {
    try {
      this.logger.info(`[jobdeck] ${message}`);
    } catch {
      // A broken logger must not reach the job.
    }
  }

  private emit(level: 'warn' | 'error', key: string, message: string): void {
    const now = Date.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.everyMs) {
      seen.suppressed++;
      return;
    }
    const repeats = seen?.suppressed ? ` (${seen.suppressed} more since the last report)` : '';
    this.last.set(key, { at: now, suppressed: 0 });
    try {
      this.logger[level](`[jobdeck] ${message}${repeats}`);
    } catch {
      // A broken logger must not reach the job.
    }
  }
}
