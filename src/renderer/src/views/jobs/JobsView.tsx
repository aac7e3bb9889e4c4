import type { ViewProps } from '../../routes.tsx';
import { JobListView } from './JobListView.tsx';
import { JobDetailView } from './JobDetailView.tsx';
import './jobs.css';

/** `#/jobs?…` is the explorer, `#/jobs/<id>` one job. */
export function JobsView({ route }: ViewProps) {
  const id = route.rest[0];
  return id && /^\d{1,19}$/.test(id) ? <JobDetailView key={id} id={id} /> : <JobListView route={route} />;
}
