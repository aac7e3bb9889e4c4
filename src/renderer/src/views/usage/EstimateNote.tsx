import { useOp } from '../../data/use-op.ts';
import { formatCount } from '../../format.ts';
import { formatTokens, formatUsd } from './usage-format.ts';

/**
 * Know the bill before acting: the estimated tokens and cost of running these jobs (each task's recent average per
 * attempt, times its jobs), labelled as an estimate; or that no usage was recorded for the task yet.
 */
export function EstimateNote({ tasks }: { tasks: { task: string; jobs: number }[] }) {
  const estimate = useOp('usage.estimate', { tasks }, { enabled: tasks.length > 0, staleTime: 30_000 });
  const e = estimate.data;
  if (tasks.length === 0 || estimate.isError) return null;
  if (!e) return <p className="dim">Estimating the LLM cost…</p>;
  const known = e.tasks.filter((t) => t.basedOnAttempts > 0);
  if (known.length === 0) {
    return (
      <p className="dim" data-testid="usage-estimate">
        Estimated LLM cost: no usage recorded for {tasks.length === 1 ? 'this task' : 'these tasks'} yet.
      </p>
    );
  }
  const attempts = known.reduce((n, t) => n + t.basedOnAttempts, 0);
  return (
    <p className="usage-estimate" data-testid="usage-estimate">
      <strong>Estimate</strong> (one attempt each, at the recent average of {formatCount(attempts)} attempts over 7 days): about{' '}
      <span className="num">{formatTokens(e.inputTokens)}</span> input and <span className="num">{formatTokens(e.outputTokens)}</span>{' '}
      output tokens, <strong className="num">{e.costUsd === null ? 'no price' : `~${formatUsd(e.costUsd)}`}</strong>
      {e.jobsWithoutHistory > 0 && (
        <span className="dim"> · {formatCount(e.jobsWithoutHistory)} jobs of tasks with no usage recorded yet are not counted</span>
      )}
      .
    </p>
  );
}
