import { QueryClient, type QueryFunctionContext } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { OVERVIEW_KEY, STATUS_KEY, type OpKey } from './op-key.ts';
import { TOKEN_CHANGED_EVENT } from '../api/http.ts';

declare module '@tanstack/react-query' {
  interface Register {
    queryMeta: QueryMeta;
  }
}

export type QueryMeta = {
  /**
   * The query follows the queue: when a monitor snapshot shows the queue has moved since it was read, it is read
   * again, at most every `liveMs` (see engine-events.tsx). For what no event announces but the counts reveal.
   */
  liveMs?: number;
};

/** The call a key names (see op-key.ts), so a query needs no function of its own. */
function callOfKey({ queryKey }: QueryFunctionContext): Promise<unknown> {
  const [name, input] = queryKey as OpKey;
  return api.call(name, input);
}

/**
 * Status and counts are pushed as well as asked for: an answer that left before the latest push is older than
 * it, and must not replace it.
 */
async function latestOfCallAndPush(context: QueryFunctionContext): Promise<unknown> {
  const asked = Date.now();
  const answer = await callOfKey(context);
  const state = queryClient.getQueryState(context.queryKey);
  return state?.data !== undefined && state.dataUpdatedAt > asked ? state.data : answer;
}

/** The console's one cache of server state, keyed by operation and input. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      queryFn: callOfKey,
      // The engine runs on this machine: `navigator.onLine` says nothing about it, so never wait for it.
      networkMode: 'always',
      // Failures are shown at once rather than after silent retries; events and the operator ask again.
      retry: false,
      // Pushed events keep what changes fresh; reading every view again on each focus would load the database.
      refetchOnWindowFocus: false,
    },
    mutations: { networkMode: 'always', retry: false },
  },
});

for (const key of [STATUS_KEY, OVERVIEW_KEY]) {
  // Kept fresh by events (engine-events.tsx): asked once, then only when reset.
  queryClient.setQueryDefaults(key, { staleTime: Infinity, queryFn: latestOfCallAndPush });
}

// A new token pasted into the open tab (web mode, after a restart): everything read with the old one (refusals
// included) is read again with the new one.
window.addEventListener(TOKEN_CHANGED_EVENT, () => void queryClient.resetQueries());
