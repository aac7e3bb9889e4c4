import type { TaskList } from 'graphile-worker';

/**
 * Keeps a pool from taking jobs of paused tasks, by graphile-worker's own means: each fetch asks for jobs of the
 * task identifiers `Object.keys(tasks)` lists (re-read at every fetch), so a paused task's key is made
 * non-enumerable in the pool's task list. The handler stays reachable by name, so a job fetched a moment before
 * the pause still runs normally; nothing in the database changes. When every task is paused, a placeholder
 * identifier that no job carries stays listed (graphile-worker refuses an empty list).
 */
export const ALL_PAUSED_PLACEHOLDER = 'jobdeck:all-tasks-paused';

export class PauseGate {
  private tasks: Record<string, unknown> | null = null;
  private readonly hidden = new Set<string>();
  /** Task lists that refused the change (frozen), reported once. */
  failed = false;

  /** The pool's task list (the object its workers fetch with); the first one seen is kept. */
  attach(tasks: TaskList | undefined): void {
    if (tasks && !this.tasks) this.tasks = tasks;
  }

  /** Hides exactly the paused tasks; returns the task identifiers hidden now. */
  apply(paused: ReadonlySet<string>): string[] {
    const tasks = this.tasks;
    if (!tasks) return [];
    const names = [...Object.keys(tasks), ...this.hidden].filter((n) => n !== ALL_PAUSED_PLACEHOLDER);
    for (const name of new Set(names)) {
      const hide = paused.has(name);
      if (hide === this.hidden.has(name)) continue;
      if (!setEnumerable(tasks, name, !hide)) {
        this.failed = true;
        continue;
      }
      if (hide) this.hidden.add(name);
      else this.hidden.delete(name);
    }
    const visible = Object.keys(tasks).filter((n) => n !== ALL_PAUSED_PLACEHOLDER);
    if (visible.length === 0 && this.hidden.size > 0) {
      if (!(ALL_PAUSED_PLACEHOLDER in tasks)) {
        try {
          tasks[ALL_PAUSED_PLACEHOLDER] = placeholder;
        } catch {
          this.failed = true;
        }
      }
    } else if (ALL_PAUSED_PLACEHOLDER in tasks) {
      delete tasks[ALL_PAUSED_PLACEHOLDER];
    }
    return [...this.hidden].sort();
  }
}

function setEnumerable(tasks: Record<string, unknown>, name: string, enumerable: boolean): boolean {
  const current = Object.getOwnPropertyDescriptor(tasks, name);
  if (!current || !current.configurable) return false;
  try {
    Object.defineProperty(tasks, name, { ...current, enumerable });
    return Object.getOwnPropertyDescriptor(tasks, name)?.enumerable === enumerable;
  } catch {
    return false;
  }
}

function placeholder(): Promise<void> {
  return Promise.reject(new Error(`${ALL_PAUSED_PLACEHOLDER} is not a task: it only keeps a paused pool's task list non-empty`));
}
