import type { OverviewSnapshot } from '../../shared/model/overview.ts';
import type { ConnectionProfile } from '../../shared/model/connection.ts';
import type { Domain } from '../domain.ts';
import type { EventBus, Sessions } from '../context.ts';
import type { Db } from '../store/db.ts';
import { depthRepo } from './depth-repo.ts';

export interface OverviewContext {
  db: Db;
  sessions: Sessions;
  events: EventBus;
  /** Depth sample period; the chart keeps this resolution. */
  depthSampleMs: number;
}

export interface OverviewDomain extends Domain<'overview.get' | 'overview.depth'> {
  /** The monitor's latest counts for a connection: sent to every window, sampled for the depth chart. */
  snapshot(profile: ConnectionProfile, snapshot: OverviewSnapshot): void;
}

/** Counts now (the session's monitor) and queue depth over time (`depth_samples`, owned here). */
export function createOverview(ctx: OverviewContext): OverviewDomain {
  const depth = depthRepo(ctx.db);
  let lastSample = 0;
  return {
    name: 'overview',
    snapshot(profile, snapshot) {
      ctx.events.emit({ type: 'overview', snapshot });
      const at = Date.parse(snapshot.at);
      if (at - lastSample >= ctx.depthSampleMs) {
        lastSample = at;
        depth.record(profile.id, snapshot);
      }
    },
    handlers: {
      'overview.get': () => ctx.sessions.current()?.latest() ?? null,
      'overview.depth': ({ minutes }) => {
        const id = ctx.sessions.current()?.profile.id;
        return id ? depth.range(id, minutes) : [];
      },
    },
  };
}
