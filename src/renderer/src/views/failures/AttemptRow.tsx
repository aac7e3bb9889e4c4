import { useState } from 'react';
import type { FailedAttempt } from '../../../../shared/model/history.ts';
import type { ErrorTypeInfo } from '../../../../shared/errors/index.ts';
import { formatDuration, formatWhen, shortPoolId } from '../../format.ts';
import { href } from '../../router.ts';

/** The first line of an error, cut for the table; the full (already bounded) text opens below the row. */
const headline = (error: string) => {
  const line = error.split('\n', 1)[0];
  return line.length > 240 ? `${line.slice(0, 240)}…` : line;
};

/** One failed attempt. Error texts are rendered as text, never as HTML. */
export function AttemptRow({ row, info }: { row: FailedAttempt; info: ErrorTypeInfo }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr className={open ? 'attempt-row open' : 'attempt-row'} onClick={() => setOpen(!open)} data-testid="attempt-row">
        <td className="dim nowrap" title={row.at}>
          {formatWhen(row.at)}
        </td>
        <td className="mono">{row.task}</td>
        <td className="num mono">
          {/* stopPropagation: following the link should not also toggle the row's detail. */}
          <a href={href(`jobs/${row.jobId}`)} onClick={(e) => e.stopPropagation()} title={`Open job #${row.jobId}`}>
            {row.jobId}
          </a>
        </td>
        <td className="num">
          {row.attempt}
          {row.maxAttempts ? <span className="dim">/{row.maxAttempts}</span> : null}
          {row.final && (
            <span className="badge badge-quiet final-badge" title="No attempts left: permanently failed">
              final
            </span>
          )}
        </td>
        <td>
          <span className="type-chip" style={{ borderColor: info.color, color: info.color }} title={info.description}>
            {info.label}
          </span>
        </td>
        <td className="attempt-error" title={row.error}>
          {headline(row.error)}
        </td>
        <td className="num dim">{row.durationMs === null ? '—' : formatDuration(row.durationMs)}</td>
        <td className="mono dim" title={row.poolId ?? (row.source === 'watch' ? 'seen by the database watcher' : '')}>
          {row.source === 'watch' ? 'watcher' : shortPoolId(row.poolId)}
        </td>
      </tr>
      {open && (
        <tr className="attempt-detail">
          <td colSpan={8}>
            <pre className="error-text">{row.error}</pre>
          </td>
        </tr>
      )}
    </>
  );
}
