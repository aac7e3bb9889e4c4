import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * What identifies a running process beyond its pid, which the system reuses: on Linux the boot id and the start
 * time (in clock ticks since boot) from /proc, elsewhere the start time `ps` prints. Null when no such process runs,
 * or when it is a zombie (it has exited; its parent has not collected it yet).
 */
export function processIdentity(pid: number): string | null {
  if (process.platform === 'linux') return linuxIdentity(pid);
  try {
    const started = execFileSync('ps', ['-o', 'stat=,lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    if (!started || started.startsWith('Z')) return null;
    return started.replace(/^\S+\s+/, '');
  } catch {
    return null;
  }
}

function linuxIdentity(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name is in parentheses and may hold spaces: the fields that follow start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return null;
  const startTicks = fields[19];
  return `${bootId()}:${startTicks}`;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown-boot';
  }
}
