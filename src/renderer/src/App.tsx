import { Suspense, useCallback, useEffect, useState, type MouseEvent } from 'react';
import { DEFAULT_ROUTE, preloadViews, ROUTES } from './routes.tsx';
import { replaceRoute, useRoute } from './router.ts';
import { ApiError, errorMessage } from './api/client.ts';
import { useOp } from './data/use-op.ts';
import { Nav } from './components/Nav.tsx';
import { TopBar } from './components/TopBar.tsx';
import { DemoBar } from './components/DemoBar.tsx';
import { Banners } from './components/Banners.tsx';
import { Toasts } from './components/Toasts.tsx';
import { NotFoundView } from './views/NotFoundView.tsx';
import { FatalView } from './views/FatalView.tsx';
import { useShortcuts } from './shortcuts/use-shortcuts.ts';
import { ShortcutsDialog } from './shortcuts/ShortcutsDialog.tsx';

const present = () => true;
const MAIN_ID = 'main-content';

/** Moves the focus to the view, past the navigation and the top bar (the skip link; a hash link would route). */
function skipToMain(event: MouseEvent) {
  event.preventDefault();
  document.getElementById(MAIN_ID)?.focus();
}

/** The shell: navigation, top bar, demo controls, banners, and the view the hash names. */
export function App() {
  const route = useRoute();
  // Asked once; the event hub (data/engine-events.tsx) keeps it current. Selected down to "there is one", so
  // the shell does not render again with every status change (the parts that show it read it themselves).
  const status = useOp('app.status', {}, { select: present });
  const hasStatus = status.data === true;
  // No status and no way to get one (no token, server gone): nothing else can work.
  const cannotReach = status.error instanceof ApiError && (status.error.code === 'unauthorized' || status.error.code === 'unavailable');
  const fatal = !hasStatus && cannotReach ? errorMessage(status.error) : null;
  const [helpOpen, setHelpOpen] = useState(false);
  const openHelp = useCallback(() => setHelpOpen(true), []);
  const shortcuts = useShortcuts({ views: ROUTES, mainId: MAIN_ID, onHelp: openHelp });

  useEffect(() => {
    if (!route.path) replaceRoute(DEFAULT_ROUTE);
  }, [route.path]);
  // Ready marker for end-to-end tests: the first status is in and the view has rendered with it.
  // The other views' chunks, once the first view is up and the page is idle.
  useEffect(() => {
    if (!hasStatus) return;
    const idle = window.requestIdleCallback(preloadViews, { timeout: 2000 });
    return () => window.cancelIdleCallback(idle);
  }, [hasStatus]);
  useEffect(() => {
    if (hasStatus) document.body.dataset.appState = 'loaded';
    else if (fatal) document.body.dataset.appState = 'failed';
  }, [hasStatus, fatal]);

  const def = ROUTES.find((r) => r.path === route.path);
  let content;
  if (!hasStatus) content = fatal ? <FatalView message={fatal} /> : <div className="view-loading">Connecting to Jobdeck…</div>;
  else if (def) content = <def.view route={route} />;
  else content = route.path ? <NotFoundView path={route.path} /> : null;

  return (
    <div className="app">
      <a className="skip-link" href={`#${MAIN_ID}`} onClick={skipToMain} data-testid="skip-link">
        Skip to main content
      </a>
      <Nav current={route.path} onHelp={openHelp} />
      <div className="main">
        <TopBar />
        <DemoBar />
        <Banners />
        <main className="view" key={route.path} id={MAIN_ID} tabIndex={-1}>
          <Suspense fallback={<div className="view-loading">Loading…</div>}>{content}</Suspense>
        </main>
      </div>
      <Toasts />
      <ShortcutsDialog open={helpOpen} shortcuts={shortcuts} onClose={() => setHelpOpen(false)} />
    </div>
  );
}
