import type { ComponentType } from 'react';
import type { IconName } from './components/Icon.tsx';
import type { Route } from './router.ts';
import { OverviewView } from './views/OverviewView.tsx';
import { ConnectionsView } from './views/ConnectionsView.tsx';
import { StuckView } from './views/stuck/StuckView.tsx';
import { FailuresView } from './views/failures/FailuresView.tsx';
import { BackfillView } from './views/backfill/BackfillView.tsx';
import { JobsView } from './views/jobs/JobsView.tsx';
import { AuditView } from './views/audit/AuditView.tsx';
import { WorkersView } from './views/workers/WorkersView.tsx';

export interface ViewProps {
  route: Route;
}

export interface RouteDef {
  /** `#/<path>`; also the nav link's test id, `nav-<path>`. */
  path: string;
  label: string;
  group: 'Monitor' | 'Operate' | 'Setup';
  icon: IconName;
  view: ComponentType<ViewProps>;
}

/** Every view of the console: adding one (Jobs, Failures, Stuck, Backfill, Audit…) is one line here. */
export const ROUTES: RouteDef[] = [
  { path: 'overview', label: 'Overview', group: 'Monitor', icon: 'overview', view: OverviewView },
  { path: 'failures', label: 'Failures', group: 'Monitor', icon: 'failures', view: FailuresView },
  { path: 'workers', label: 'Workers', group: 'Monitor', icon: 'workers', view: WorkersView },
  { path: 'jobs', label: 'Jobs', group: 'Operate', icon: 'jobs', view: JobsView },
  { path: 'stuck', label: 'Stuck', group: 'Operate', icon: 'stuck', view: StuckView },
  { path: 'backfill', label: 'Backfill', group: 'Operate', icon: 'backfill', view: BackfillView },
  { path: 'audit', label: 'Audit log', group: 'Operate', icon: 'audit', view: AuditView },
  { path: 'connections', label: 'Connections', group: 'Setup', icon: 'connections', view: ConnectionsView },
];

export const NAV_GROUPS: RouteDef['group'][] = ['Monitor', 'Operate', 'Setup'];

export const DEFAULT_ROUTE = 'overview';
