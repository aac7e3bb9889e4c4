// graphile-worker's own logger class (its Logger only subclasses it): graphile-worker itself loads only once a runner
// starts or the schema is installed, off the console's way to its ready line.
import { Logger } from '@graphile/logger';
import type { LogFunctionFactory, Logger as WorkerLogger } from 'graphile-worker';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFn = (level: LogLevel, message: string) => void;

/** Default: warnings and errors to stderr. */
export const consoleLog: LogFn = (level, message) => {
  if (level === 'error' || level === 'warn') console.error(`[jobdeck] ${level}: ${message}`);
};

/** graphile-worker's logger, forwarded to Jobdeck's; its debug chatter is dropped. */
export function workerLogger(log: LogFn): WorkerLogger {
  const factory: LogFunctionFactory = (scope) => (graphileLevel, message) => {
    // graphile-worker's levels are a const enum of these strings: compare them as strings.
    const level: string = graphileLevel;
    if (level === 'debug') return;
    // A failing job is the normal business of a queue: Jobdeck's history records it, the log need not shout.
    const ours: LogLevel = message.startsWith('Failed task') ? 'info' : level === 'warning' ? 'warn' : level === 'error' ? 'error' : 'info';
    log(ours, `graphile-worker${scope.label ? ` ${scope.label}` : ''}: ${message}`);
  };
  return new Logger(factory);
}
