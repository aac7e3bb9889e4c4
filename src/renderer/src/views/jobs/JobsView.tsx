import type { ViewProps } from '../../routes.tsx';
import { href } from '../../router.ts';
import { JobListView } from './JobListView.tsx';
import { JobDetailView } from './JobDetailView.tsx';
import './jobs.css';

/** `#/jobs?…` is the explorer, `#/jobs/<id>` one job; anything else after `jobs/` is a link that went wrong. */
export function JobsView({ route }: ViewProps) {
  const id = route.rest[0];
  if (id === undefined) return <JobListView route={route} />;
  if (/^[1-9]\d{0,18}$/.test(id)) return <JobDetailView key={id} id={id} />;
  return (
    <div className="view-empty" data-testid="job-bad-id">
      <h1>Not a job id</h1>
      <p>
        <span className="mono">{id}</span> is not a job id: graphile-worker numbers its jobs 1, 2, 3…
      </p>
      <a className="btn btn-primary" href={href('jobs')}>
        Go to the jobs
      </a>
    </div>
  );
}
