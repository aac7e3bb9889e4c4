import { useEffect } from 'react';
import { DEFAULT_ROUTE, ROUTES } from './routes.tsx';
import { replaceRoute, useRoute } from './router.ts';
import { startLive } from './store/live.ts';
import { useLive } from './store/live-store.ts';
import { Nav } from './components/Nav.tsx';
import { TopBar } from './components/TopBar.tsx';
import { DemoBar } from './components/DemoBar.tsx';
import { Banners } from './components/Banners.tsx';
import { Toasts } from './components/Toasts.tsx';
import { NotFoundView } from './views/NotFoundView.tsx';
import { FatalView } from './views/FatalView.tsx';

/** The shell: navigation, top bar, demo controls, banners, and the view the hash names. */
export function App() {
  const route = useRoute();
  const hasStatus = useLive((s) => s.status !== null);
  const fatal = useLive((s) => s.fatal);

  useEffect(() => startLive(), []);
  useEffect(() => {
    if (!route.path) replaceRoute(DEFAULT_ROUTE);
  }, [route.path]);
  // Ready marker for end-to-end tests: the first status is in and the view has rendered with it.
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
      <Nav current={route.path} />
      <div className="main">
        <TopBar />
        <DemoBar />
        <Banners />
        <main className="view" key={route.path}>
          {content}
        </main>
      </div>
      <Toasts />
    </div>
  );
}
