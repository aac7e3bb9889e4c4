import { useSyncExternalStore } from 'react';
import { href } from './href.ts';

/**
 * Hash routing (`#/overview`, `#/jobs?task=x`) so deep links work in web mode and in Electron's file:// page.
 * Every view keeps what it shows in the address (`#/failures?window=7d&task=x`, `#/audit/12`,
 * `#/backfill/<rule>`), so any state can be linked to. The api module strips the access token (`#token=…`, or a
 * view's `token` parameter) from the hash when it is imported and whenever one is pasted later; main.tsx imports it
 * before anything reads the route.
 */
export interface Route {
  /** First path segment, e.g. `overview`. */
  path: string;
  /** Remaining segments, e.g. a job id in `#/jobs/42`. */
  rest: string[];
  params: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const pathPart = q >= 0 ? raw.slice(0, q) : raw;
  const [path = '', ...rest] = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { path, rest, params: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '') };
}

/** Parsed lazily, on first read: by then the api module has taken the token out of the hash. */
let current: Route | null = null;

function snapshot(): Route {
  return (current ??= parse(location.hash));
}

function subscribe(onChange: () => void): () => void {
  const handler = () => {
    current = parse(location.hash);
    onChange();
  };
  window.addEventListener('hashchange', handler);
  return () => window.removeEventListener('hashchange', handler);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, snapshot);
}

export { href };

/** Goes to a view; `replace` changes the address without a history entry (a view's own state, e.g. its window). */
export function navigate(path: string, params?: Record<string, string>, options?: { replace?: boolean }): void {
  if (options?.replace) replaceRoute(path, params);
  else location.hash = href(path, params);
}

/** Rewrites the address without a history entry (the default route on an empty hash, a view's state). */
export function replaceRoute(path: string, params?: Record<string, string>): void {
  const next = href(path, params);
  if (location.hash === next) return;
  history.replaceState(null, '', location.pathname + location.search + next);
  current = parse(location.hash);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** The route's params with some changed (null or '' removes one), for a view that keeps its state in the address. */
export function withParams(route: Route, changes: Record<string, string | null>): Record<string, string> {
  const out = Object.fromEntries(route.params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}
