import { href } from '../../router.ts';
import type { ErrorTypeInfo } from '../../../../shared/errors/index.ts';

const UNKNOWN = { label: '', color: '#8A8F98', description: '', verdict: 'unknown' as const };

/** Looks up how a type is shown; a type no rule knows any more (rules changed) gets a grey chip with its slug. */
export function typeLookup(types: ErrorTypeInfo[]) {
  const map = new Map(types.map((t) => [t.type, t]));
  return (type: string): ErrorTypeInfo => map.get(type) ?? { ...UNKNOWN, type, label: type };
}

/** The job explorer filtered to one error type (and task), where "retry all of these" is one click away. */
export const jobsOfTypeHref = (type: string, task?: string | null) => href('jobs', { task, errorType: type });
