import { useSyncExternalStore } from 'react';

/**
 * Hash routing (`#/overview`, `#/jobs?task=x`) so deep links work in web mode and in Electron's file:// page.
 * The api module strips `#token=…` from the hash when it is imported; main.tsx imports it before anything
 * reads the route.
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

/** `href('connections')` -> `#/connections`. */
export function href(path: string, params?: Record<string, string>): string {
  const query = params ? `?${new URLSearchParams(params)}` : '';
  return `#/${path}${query}`;
}

export function navigate(path: string, params?: Record<string, string>): void {
  location.hash = href(path, params);
}

/** Rewrites the address without a history entry (the default route on an empty hash). */
export function replaceRoute(path: string): void {
  history.replaceState(null, '', location.pathname + location.search + href(path));
  current = parse(location.hash);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
