import { lazy, type ComponentType } from 'react';
import type { IconName } from './components/Icon.tsx';
import type { Route } from './router.ts';
import { OverviewView } from './views/OverviewView.tsx';

/**
 * The overview (the default route) is in the main bundle; every other view is a chunk of its own, loaded when
 * first opened or, once the console is idle, ahead of time (`preloadViews`), so switching stays instant.
 */
const views = {
  failures: () => import('./views/failures/FailuresView.tsx').then((m) => m.FailuresView),
  workers: () => import('./views/workers/WorkersView.tsx').then((m) => m.WorkersView),
  usage: () => import('./views/usage/UsageView.tsx').then((m) => m.UsageView),
  alerts: () => import('./views/alerts/AlertsView.tsx').then((m) => m.AlertsView),
  jobs: () => import('./views/jobs/JobsView.tsx').then((m) => m.JobsView),
  stuck: () => import('./views/stuck/StuckView.tsx').then((m) => m.StuckView),
  backfill: () => import('./views/backfill/BackfillView.tsx').then((m) => m.BackfillView),
  audit: () => import('./views/audit/AuditView.tsx').then((m) => m.AuditView),
  cron: () => import('./views/cron/CronView.tsx').then((m) => m.CronView),
  connections: () => import('./views/ConnectionsView.tsx').then((m) => m.ConnectionsView),
} satisfies Record<string, () => Promise<ComponentType<ViewProps>>>;

const lazyView = (load: () => Promise<ComponentType<ViewProps>>) => lazy(async () => ({ default: await load() }));

/** Loads every view's chunk (the module loader keeps them; opening a view later waits for nothing). */
export function preloadViews(): void {
  for (const load of Object.values(views)) void load().catch(() => {});
}

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
  { path: 'failures', label: 'Failures', group: 'Monitor', icon: 'failures', view: lazyView(views.failures) },
  { path: 'workers', label: 'Workers', group: 'Monitor', icon: 'workers', view: lazyView(views.workers) },
  { path: 'usage', label: 'Usage', group: 'Monitor', icon: 'usage', view: lazyView(views.usage) },
  { path: 'alerts', label: 'Alerts', group: 'Monitor', icon: 'bell', view: lazyView(views.alerts) },
  { path: 'jobs', label: 'Jobs', group: 'Operate', icon: 'jobs', view: lazyView(views.jobs) },
  { path: 'stuck', label: 'Stuck', group: 'Operate', icon: 'stuck', view: lazyView(views.stuck) },
  { path: 'backfill', label: 'Backfill', group: 'Operate', icon: 'backfill', view: lazyView(views.backfill) },
  { path: 'cron', label: 'Cron', group: 'Operate', icon: 'cron', view: lazyView(views.cron) },
  { path: 'audit', label: 'Audit log', group: 'Operate', icon: 'audit', view: lazyView(views.audit) },
  { path: 'connections', label: 'Connections', group: 'Setup', icon: 'connections', view: lazyView(views.connections) },
];

export const NAV_GROUPS: RouteDef['group'][] = ['Monitor', 'Operate', 'Setup'];

export const DEFAULT_ROUTE = 'overview';
