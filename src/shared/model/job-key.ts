/**
 * Job key templates (jobs.addBatch, backfill rules): `{task}` and `{key}` are filled in literally. The template is
 * split at each `{key}` with `{task}` filled in the parts, and an item's job key is the parts joined by its key:
 * in JavaScript `parts.join(key)`, in SQL `array_to_string(parts, key)`, so the console and Postgres build the same
 * key. (A string replacement would read `$&`, `` $` `` and `$'` in a key as patterns, and a task holding `{key}` would
 * have it filled too.)
 */
export function keyTemplateParts(template: string, task: string): string[] {
  return template.split('{key}').map((part) => part.replaceAll('{task}', () => task));
}

/** graphile-worker's bound on a job key (its jobs_key_check), in characters as Postgres counts them. */
export const MAX_JOB_KEY_CHARS = 512;

/** Whether graphile-worker takes this job key: 1 to 512 characters (code points, not UTF-16 units). */
export function jobKeyFits(jobKey: string): boolean {
  let n = 0;
  for (const _ of jobKey) if (++n > MAX_JOB_KEY_CHARS) return false;
  return n > 0;
}
