import type { ReactNode } from 'react';
import type { JobDetail } from '../../../../shared/model/jobs.ts';
import { formatAge, formatAgo, formatDateTime, formatDuration, shortPoolId } from '../../format.ts';
import { StateBadge, ErrorTypeChip } from './StateBadge.tsx';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';
import { failureTime } from '../../../../shared/model/job-state.ts';
import { isParked } from '../../../../shared/model/control.ts';

const GONE_UNKNOWN = new Set(['Locked by', 'Priority', 'Flags', 'Updated']);

/** The job's columns at a glance, times relative to the database's clock (no skew from the viewer's). */
export function JobFacts({ job, now }: { job: JobDetail; now: number }) {
  const runIn = Date.parse(job.runAt) - now;
  const failedForGoodAt = failureTime(Date.parse(job.runAt), job.attempts, now, job.updatedAt ? Date.parse(job.updatedAt) : null);
  const lockedFor = job.lockedAt ? now - Date.parse(job.lockedAt) : null;
  const succeeded = job.outcome === 'succeeded';
  // Ended by a success or a cancel: an error shown is an earlier attempt's, and no retry is in question.
  const endedWell = succeeded || job.outcome === 'cancelled';
  const parked = !job.gone && isParked(job);
  const all: [string, ReactNode][] = [
    [
      'State',
      job.gone || job.state === null ? (
        <span className="badge" data-testid="job-outcome">
          {job.snapshotState ?? 'gone'}
        </span>
      ) : (
        <StateBadge state={job.state} due={job.state === 'retrying' && runIn <= 0} parked={parked} />
      ),
    ],
    ['Task', <span className="mono">{job.task}</span>],
    ['Queue', job.queue ? <span className="mono">{job.queue}</span> : <span className="dim">none (runs in parallel)</span>],
    [
      'Attempts',
      <span className={job.attempts >= job.maxAttempts ? 'hot num' : 'num'}>
        {job.attempts} of {job.maxAttempts}
      </span>,
    ],
    job.gone
      ? [
          'Ended',
          job.endedAt ? (
            <span data-testid="job-ended">
              {formatDateTime(job.endedAt)} <span className="dim">({formatAgo(now - Date.parse(job.endedAt))})</span>
            </span>
          ) : (
            <span className="dim">not known</span>
          ),
        ]
      : job.state === 'failed'
        ? [
            // graphile-worker pushed run_at on past the last failure (its backoff), but no run follows: say when it failed.
            'Failed for good',
            <span data-testid="job-next-run">
              {formatDateTime(new Date(failedForGoodAt).toISOString())}{' '}
              <span className="dim">({formatAgo(now - failedForGoodAt)}; attempts used up: no further run)</span>
            </span>,
          ]
        : parked
          ? [
              'Run at',
              <span data-testid="job-next-run">
                when its task or queue is resumed <span className="dim">(a pause parked it; its own run time comes back then)</span>
              </span>,
            ]
          : [
              'Run at',
              <>
                {formatDateTime(job.runAt)}{' '}
                <span className="dim" data-testid="job-next-run">
                  {runIn >= 500 ? `(in ${formatAge(runIn)})` : runIn > -500 ? '(now)' : `(${formatAgo(-runIn)})`}
                </span>
              </>,
            ],
    [
      'Locked by',
      job.lockedBy ? (
        <>
          <span className="mono" title={job.lockedBy}>
            {shortPoolId(job.lockedBy)}
          </span>{' '}
          <span className="dim">
            {(lockedFor ?? 0) < 1000 ? 'just taken' : `for ${formatAge(lockedFor ?? 0)}`}
            {job.runningHere
              ? " · this console's runner"
              : job.holder === 'companion'
                ? ' · a worker with the companion'
                : ' · another process'}
          </span>
        </>
      ) : (
        <span className="dim">not locked</span>
      ),
    ],
    ['Priority', <span className="num">{job.priority}</span>],
    ['Job key', job.key ? <span className="mono">{job.key}</span> : <span className="dim">none</span>],
    [
      'Flags',
      job.flags.length ? (
        job.flags.map((f) => (
          <span key={f} className="badge">
            {f}
          </span>
        ))
      ) : (
        <span className="dim">none</span>
      ),
    ],
    [
      'Error type',
      job.errorType ? (
        <>
          <ErrorTypeChip type={job.errorType} />
          {endedWell && <span className="dim"> an earlier attempt&apos;s</span>}
        </>
      ) : (
        <span className="dim">no error</span>
      ),
    ],
    [
      'Retry verdict',
      job.verdict && !endedWell ? (
        <span className="verdict-fact" data-testid="job-verdict">
          <VerdictBadge verdict={job.verdict.verdict} reason={job.verdict.reason} /> <span className="dim">{job.verdict.reason}</span>
        </span>
      ) : (
        <span className="dim">
          {succeeded ? 'none needed: it succeeded' : job.outcome === 'cancelled' ? 'none: it was cancelled' : 'no error'}
        </span>
      ),
    ],
    [
      'Created',
      job.createdAt ? (
        formatDateTime(job.createdAt)
      ) : (
        // Kept of a job the operator cancelled (with its payload), not of one that ran to its end.
        <span className="dim">not kept once a job has run to its end</span>
      ),
    ],
    ['Updated', job.updatedAt ? formatDateTime(job.updatedAt) : <span className="dim">—</span>],
  ];
  // Of a job that left the database only what Jobdeck kept is known: no lock, priority, flags or update to show.
  const facts = job.gone ? all.filter(([label]) => !GONE_UNKNOWN.has(label) && !(label === 'Job key' && !job.key)) : all;
  if (job.worker)
    facts.push([
      'Last run by',
      <>
        <span className="mono" title={job.worker.poolId}>
          {shortPoolId(job.worker.poolId)}
        </span>{' '}
        <span className="dim">
          {job.worker.host ? `on ${job.worker.host} · ` : ''}
          {job.worker.source === 'runner' ? "this console's runner" : 'reported by the companion'}
          {job.durationMs === null ? '' : ` · ${formatDuration(job.durationMs)}`}
        </span>
      </>,
    ]);
  if (job.cancelledAt)
    facts.push([
      'Cancelled',
      <>
        {formatDateTime(job.cancelledAt)} by {job.cancelledBy ?? 'unknown'}
      </>,
    ]);
  return (
    <dl className="job-facts" data-testid="job-facts">
      {facts.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
