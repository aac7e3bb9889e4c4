import type { OverviewSnapshot, TroubleSummary } from '../../shared/model/overview.ts';
import type { ConnectionProfile } from '../../shared/model/connection.ts';
import type { Domain } from '../domain.ts';
import type { EventBus, LogFn, Sessions } from '../context.ts';
import type { Db } from '../store/db.ts';
import { depthRepo } from './depth-repo.ts';
import { applyGonePools, readTrouble, type TroubleSources } from './trouble.ts';

export interface OverviewContext {
  db: Db;
  sessions: Sessions;
  events: EventBus;
  /** Depth sample period; the chart keeps this resolution. */
  depthSampleMs: number;
  /** What needs attention (stuck, pauses, failures): read every few seconds while counts come in. */
  trouble?: TroubleSources;
  log?: LogFn;
  /** Fastest trouble refresh (ms); slowed to ten times its own duration, so a big table is not scanned back to back. */
  troubleEveryMs?: number;
}

export interface OverviewDomain extends Domain<'overview.get' | 'overview.depth'> {
  /** The monitor's latest counts for a connection: sent to every window, sampled for the depth chart. */
  snapshot(profile: ConnectionProfile, snapshot: OverviewSnapshot): void;
  /** The latest counts of the active connection, with Running split by the pools' liveness and the trouble summary. */
  latest(): OverviewSnapshot | null;
}

const TROUBLE_EVERY_MS = 5_000;

/**
 * Counts now (the session's monitor), what needs attention now (the trouble summary, from the domains that
 * know), and queue depth over time (`depth_samples`, owned here).
 */
export function createOverview(ctx: OverviewContext): OverviewDomain {
  const depth = depthRepo(ctx.db);
  let lastSample = 0;
  /** The latest snapshot and trouble summary, of one connection. */
  let latest: { profileId: string; snapshot: OverviewSnapshot } | null = null;
  let trouble: { profileId: string; summary: TroubleSummary; startedAt: number; readAt: number; tookMs: number } | null = null;
  let reading: Promise<void> | null = null;

  // A pause or a resume changes what needs attention at once: the next counts bring a fresh summary, not one up
  // to TROUBLE_EVERY_MS old that still lists the pause beside cards that no longer count it.
  // (A read begun before the change does not count: it may have seen the pause still there.)
  let changedAt = 0;
  ctx.events.subscribe((event) => {
    if (event.type === 'control') changedAt = Date.now();
  });

  const enrich = (profileId: string, snapshot: OverviewSnapshot): OverviewSnapshot => {
    const summary = trouble?.profileId === profileId ? trouble.summary : null;
    return { ...applyGonePools(snapshot, new Set(summary?.gonePools ?? [])), trouble: summary };
  };

  const readNow = (profileId: string, raw: OverviewSnapshot) => {
    if (!ctx.trouble || reading) return;
    const started = Date.now();
    reading = readTrouble(ctx.trouble, raw, trouble?.profileId === profileId ? trouble.summary : null)
      .then((summary) => {
        if (ctx.sessions.current()?.profile.id !== profileId) return;
        trouble = { profileId, summary, startedAt: started, readAt: Date.now(), tookMs: Date.now() - started };
        // Sent at once with the counts it came with, rather than at the next count.
        if (latest?.profileId === profileId) {
          latest = { profileId, snapshot: enrich(profileId, latest.snapshot) };
          ctx.events.emit({ type: 'overview', snapshot: latest.snapshot });
        }
      })
      .catch((error: Error) => ctx.log?.('warn', `overview trouble: ${error.message}`))
      .finally(() => {
        reading = null;
      });
  };

  return {
    name: 'overview',
    snapshot(profile, raw) {
      const snapshot = enrich(profile.id, raw);
      latest = { profileId: profile.id, snapshot };
      ctx.events.emit({ type: 'overview', snapshot });
      const at = Date.parse(snapshot.at);
      if (at - lastSample >= ctx.depthSampleMs) {
        lastSample = at;
        depth.record(profile.id, snapshot);
      }
      const every = Math.max(ctx.troubleEveryMs ?? TROUBLE_EVERY_MS, (trouble?.tookMs ?? 0) * 10);
      if (trouble?.profileId !== profile.id || Date.now() - trouble.readAt >= every || trouble.startedAt <= changedAt)
        readNow(profile.id, raw);
    },
    latest() {
      const session = ctx.sessions.current();
      if (!session) return null;
      return latest?.profileId === session.profile.id ? latest.snapshot : session.latest();
    },
    handlers: {
      'overview.get': () => {
        const session = ctx.sessions.current();
        if (!session) return null;
        return latest?.profileId === session.profile.id ? latest.snapshot : session.latest();
      },
      'overview.depth': ({ minutes }) => {
        const id = ctx.sessions.current()?.profile.id;
        return id ? depth.range(id, minutes) : [];
      },
    },
    hooks: {
      async stop() {
        await reading;
      },
    },
  };
}
