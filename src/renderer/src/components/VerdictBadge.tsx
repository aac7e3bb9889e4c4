import type { RetryVerdictKind } from '../../../shared/errors/index.ts';

/** What each verdict is called on a badge, and what it means in a tooltip. */
export const VERDICT_LABELS: Record<RetryVerdictKind, { label: string; title: string }> = {
  transient: {
    label: 'retry helps',
    title: 'Transient (rate limit, timeout, 5xx, network, a varying parse error): a retry is likely to help',
  },
  permanent: { label: "retry won't help", title: 'Not worth retrying as is: fix the input, the key or the prompt first' },
  unknown: { label: 'retry: unknown', title: 'No rule says whether a retry helps (set a verdict on the error type in the Failures view)' },
};

/** Whether a retry is likely to help: a job's verdict (with its reason) or a group's (by its error type). */
export function VerdictBadge({ verdict, reason }: { verdict: RetryVerdictKind; reason?: string }) {
  const { label, title } = VERDICT_LABELS[verdict];
  return (
    <span className={`badge verdict verdict-${verdict}`} title={reason ? `${reason}. ${title}` : title} data-testid={`verdict-${verdict}`}>
      {label}
    </span>
  );
}
