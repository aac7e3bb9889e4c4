import type { TroubleItem } from '../../../shared/model/overview.ts';

const KIND_LABEL: Record<TroubleItem['kind'], string> = {
  stuck: 'Stuck',
  gone: 'Gone worker',
  'no-worker': 'No worker',
  'blocked-queue': 'Blocked queue',
  'failure-spike': 'Failure spike',
  'out-of-attempts': 'Failed for good',
  paused: 'Paused',
};

/** A burst with no rate before to compare with (the record began within it) is not called a spike. */
export const kindLabel = (item: TroubleItem) =>
  item.kind === 'failure-spike' && item.severity === 'info' ? 'Recent failures' : KIND_LABEL[item.kind];
