import type { FailureCost, ModelUsage, TaskUsage } from '../../../../shared/model/usage.ts';
import { href } from '../../router.ts';
import { formatCount } from '../../format.ts';
import { errorTypeInfo } from '../jobs/jobs-format.ts';
import { costWithGap, formatMs, formatTokenCount, perSuccessWithGap, unpricedFloor } from './usage-format.ts';

/** Per task: tokens, cost, cost per successful output; the task links to its jobs. */
export function TaskUsageTable({ tasks }: { tasks: TaskUsage[] }) {
  if (tasks.length === 0) return <div className="table-empty">No usage recorded in this window.</div>;
  return (
    <div className="table-scroll">
      <table className="counts-table" data-testid="usage-task-table">
        <thead>
          <tr>
            <th className="name-col">Task</th>
            <th title="Attempts that reported usage">Attempts</th>
            <th title="Failed attempts that reported usage: the Failures view counts every failed attempt">Failed</th>
            <th>Input tokens</th>
            <th>Output tokens</th>
            <th>Cost</th>
            <th>Per successful output</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.task}>
              <td className="name-col">
                <a className="mono" href={href('jobs', { task: t.task })} title="Open this task's jobs">
                  {t.task}
                </a>
              </td>
              <td className="num">{formatCount(t.attempts)}</td>
              <td className={t.failures ? 'num hot' : 'num zero'}>{formatCount(t.failures)}</td>
              <td className="num">{formatTokenCount(t.inputTokens)}</td>
              <td className="num">{formatTokenCount(t.outputTokens)}</td>
              <td className={t.costUsd === null ? 'num dim' : 'num'}>{costWithGap(t)}</td>
              <td className="num" title={t.unpricedAttempts ? unpricedFloor(t.unpricedAttempts) : undefined}>
                {perSuccessWithGap(t)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Per model: tokens, cost (or "no price"), duration p50/p95, time to first token. */
export function ModelUsageTable({ models }: { models: ModelUsage[] }) {
  if (models.length === 0) return <div className="table-empty">No usage recorded in this window.</div>;
  return (
    <div className="table-scroll">
      <table className="counts-table" data-testid="usage-model-table">
        <thead>
          <tr>
            <th className="name-col">Model</th>
            <th>Attempts</th>
            <th>Input · cached</th>
            <th>Output</th>
            <th>Cost</th>
            <th>Duration p50 · p95</th>
            <th>First token (mean)</th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.model}>
              <td className="name-col mono">
                {m.model || <span className="dim">(no model named)</span>}
                {!m.priced && m.model && (
                  <span className="badge usage-noprice" title="Add this model to the price table to see its cost">
                    no price
                  </span>
                )}
              </td>
              <td className="num">{formatCount(m.attempts)}</td>
              <td className="num">
                {formatTokenCount(m.inputTokens)} · {formatTokenCount(m.cachedInputTokens)}
              </td>
              <td className="num">{formatTokenCount(m.outputTokens)}</td>
              <td className={m.costUsd === null ? 'num dim' : 'num'}>{costWithGap(m)}</td>
              <td className="num">
                {formatMs(m.durationP50Ms)} · {formatMs(m.durationP95Ms)}
              </td>
              <td
                className="num"
                title={
                  m.ttftMeanMs === null
                    ? 'No task reported a time to first token'
                    : `mean; p50 about ${formatMs(m.ttftP50Ms)} (from buckets)`
                }
              >
                {formatMs(m.ttftMeanMs)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What failed attempts burned, by error type; each type links to its failures. */
export function FailureCostTable({ failures }: { failures: FailureCost[] }) {
  if (failures.length === 0) return <div className="table-empty">No failed attempt reported usage in this window.</div>;
  return (
    <div className="table-scroll">
      <table className="counts-table" data-testid="usage-failure-table">
        <thead>
          <tr>
            <th className="name-col">Error type</th>
            <th>Failed attempts</th>
            <th>Input tokens</th>
            <th>Output tokens</th>
            <th>Cost burned</th>
          </tr>
        </thead>
        <tbody>
          {failures.map((f) => (
            <tr key={f.errorType}>
              <td className="name-col">
                <a href={href('jobs', { errorType: f.errorType })} title={`Open the jobs failing with this type (${f.errorType})`}>
                  {errorTypeInfo(f.errorType).label}
                </a>
              </td>
              <td className="num">{formatCount(f.attempts)}</td>
              <td className="num">{formatTokenCount(f.inputTokens)}</td>
              <td className="num">{formatTokenCount(f.outputTokens)}</td>
              <td className={f.costUsd ? 'num hot' : 'num dim'}>{costWithGap(f)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
