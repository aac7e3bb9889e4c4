import { NAV_GROUPS, ROUTES } from '../routes.tsx';
import { href } from '../router.ts';
import { Icon } from './Icon.tsx';
import { useStatus } from '../data/use-op.ts';

/** The left navigation, built from the routes table, grouped Monitor / Operate / Setup. */
export function Nav({ current }: { current: string }) {
  const mode = useStatus((s) => s.mode);
  return (
    <nav className="nav" aria-label="Views">
      <a className="brand" href={href('overview')}>
        <span className="brand-mark" aria-hidden="true">
          <span />
          <span />
          <span />
        </span>
        Jobdeck
      </a>
      {NAV_GROUPS.map((group) => {
        const routes = ROUTES.filter((r) => r.group === group);
        if (routes.length === 0) return null;
        return (
          <div className="nav-group" key={group}>
            <div className="nav-group-title">{group}</div>
            {routes.map((r) => (
              <a
                key={r.path}
                href={href(r.path)}
                className={r.path === current ? 'nav-link active' : 'nav-link'}
                aria-current={r.path === current ? 'page' : undefined}
                data-testid={`nav-${r.path}`}
              >
                <Icon name={r.icon} />
                {r.label}
              </a>
            ))}
          </div>
        );
      })}
      <div className="nav-foot">{mode === 'electron' ? 'Desktop' : mode === 'web' ? 'Web mode · localhost' : ''}</div>
    </nav>
  );
}
