import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What identifies this process beyond its pid: pids are reused, (host, pid, start time) is not. */
export interface ProcessInfo {
  host: string;
  pid: number;
  /** When the process started, as the kernel says (Linux) or as Node's uptime implies elsewhere. */
  startedAt: Date;
}

let cached: ProcessInfo | null = null;

export function processInfo(): ProcessInfo {
  cached ??= { host: safeHostname(), pid: process.pid, startedAt: kernelStartTime() ?? uptimeStartTime() };
  return cached;
}

function safeHostname(): string {
  try {
    return os.hostname();
  } catch {
    return 'unknown';
  }
}

function uptimeStartTime(): Date {
  return new Date(Math.round(Date.now() - process.uptime() * 1000));
}

/**
 * Field 22 of /proc/self/stat is the start time in clock ticks after boot; /proc/stat's `btime` is the boot time
 * in seconds. USER_HZ is 100 on every mainstream Linux build (Node cannot call sysconf), so the result has 10 ms
 * resolution and equals what `ps -o lstart` shows for this pid.
 */
function kernelStartTime(): Date | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[22 - 3]);
    const btimeLine = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('btime '));
    const bootSeconds = Number(btimeLine?.slice(6));
    if (!Number.isFinite(ticks) || !Number.isFinite(bootSeconds) || bootSeconds <= 0) return null;
    const at = new Date(bootSeconds * 1000 + ticks * 10);
    // A wildly different answer means an unusual USER_HZ or a container quirk: trust Node instead.
    return Math.abs(at.getTime() - uptimeStartTime().getTime()) < 60_000 ? at : null;
  } catch {
    return null;
  }
}
