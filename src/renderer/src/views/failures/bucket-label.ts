import { formatDateTime } from '../../format.ts';

/** A chart tooltip's title for the bucket starting at `t`: the one still filling (`partial`) says its figures are so far. */
export const bucketLabel = (partial: number | null) => (t: unknown) =>
  `${formatDateTime(Number(t))}${Number(t) === partial ? ' (in progress: so far)' : ''}`;
