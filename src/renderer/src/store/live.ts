import { api, ApiError } from '../api/client.ts';
import { useLive } from './live-store.ts';
import { useDepth } from './depth-store.ts';
import { useConnections } from './connections-store.ts';
import { dispatchEvent } from './event-bus.ts';
import { navigate } from '../router.ts';

const DEPTH_POLL_MS = 5000;

function profileWithData(): string | null {
  const c = useLive.getState().status?.connection;
  return c && (c.state === 'online' || c.state === 'offline') ? c.profileId : null;
}

/**
 * Feeds the stores: pushed status and overview events, depth history every few seconds, saved connections.
 * Returns a stop function (React's strict mode starts effects twice in development).
 */
export function startLive(): () => void {
  const live = useLive.getState();
  const unsubscribe = api.subscribe((event) => {
    if (event.type === 'status') useLive.getState().setStatus(event.status);
    else if (event.type === 'overview') useLive.getState().setSnapshot(event.snapshot);
    else if (event.type === 'navigate') navigate(event.path, event.params);
    dispatchEvent(event);
  });

  // The pushed events bring the same, but a call tells us at once when there is no access at all.
  api.call('app.status', {}).then(
    (status) => {
      if (!useLive.getState().status) live.setStatus(status);
    },
    (error: ApiError) => {
      if (error.code === 'unauthorized' || error.code === 'unavailable') live.setFatal(error.message);
    },
  );
  api.call('overview.get', {}).then(
    (snapshot) => {
      if (snapshot && !useLive.getState().snapshot) live.setSnapshot(snapshot);
    },
    () => {},
  );
  void useConnections.getState().refresh();

  // Refetch depth when the database changes, and on a timer while the page is visible.
  let lastProfile: string | null = null;
  const unwatch = useLive.subscribe((state) => {
    const profile = state.status?.connection.profileId ?? null;
    if (profile !== lastProfile) {
      lastProfile = profile;
      void useDepth.getState().refresh(profileWithData());
      void useConnections.getState().refresh();
    }
  });
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible') void useDepth.getState().refresh(profileWithData());
  }, DEPTH_POLL_MS);

  return () => {
    unsubscribe();
    unwatch();
    clearInterval(timer);
  };
}
