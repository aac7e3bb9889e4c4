import { NAV_GROUPS, ROUTES } from '../routes.tsx';
import { href } from '../router.ts';
import { Icon } from './Icon.tsx';
import { useOp, useStatus } from '../data/use-op.ts';
import { usePauses } from '../data/use-pauses.ts';
import './trouble.css';
import { ThemeSwitch } from './ThemeSwitch.tsx';

/** In the sidebar, whatever the view: how many tasks and queues are paused (a link to the overview's rows). */
function PausedSummary() {
  const { list, unheldPools } = usePauses();
  if (list.length === 0) return null;
  const names = list.map((p) => `${p.kind} ${p.name}`).join(', ');
  return (
    <a className="nav-paused" href={href('overview')} title={`Paused: ${names}`} data-testid="nav-paused">
      ❚❚ {list.length} paused
      {unheldPools.length > 0 && (
        <span title="Workers without the companion still take their jobs"> · {unheldPools.length} not obeying</span>
      )}
    </a>
  );
}

/** Beside the Alerts link: how many alert episodes fire now (kept fresh by the engine's alert events). */
function FiringCount() {
  const open = useOp('alerts.list', { state: 'firing', limit: 1 }, { select: (l) => l.open }).data ?? 0;
  if (!open) return null;
  return (
    <span className="nav-count" title={`${open} alert${open === 1 ? '' : 's'} firing`} data-testid="nav-alerts-count">
      {open}
    </span>
  );
}

/**
 * Beside Stuck and Failures: the trouble the overview found (stuck jobs, due jobs nobody runs, jobs behind
 * blocked queues; failed attempts of a spike). Pushed with every count, whatever the view.
 */
function TroubleBadge({ path }: { path: 'stuck' | 'failures' }) {
  const trouble = useOp('overview.get', {}, { select: (s) => s?.trouble ?? null }).data ?? null;
  const n = path === 'stuck' ? (trouble?.stuckBadge ?? 0) : (trouble?.failuresBadge ?? 0);
  if (!n) return null;
  const what =
    path === 'stuck'
      ? `${n} job${n === 1 ? '' : 's'} held up: locked too long, behind a blocked queue, or with no worker (the Stuck view counts each)`
      : `${n} failed attempts in 15 min: a spike`;
  return (
    <span className={path === 'stuck' ? 'nav-badge' : 'nav-badge warn'} title={what} aria-label={what} data-testid={`nav-${path}-badge`}>
      {n > 999 ? '999+' : n}
    </span>
  );
}

/** The left navigation, built from the routes table, grouped Monitor / Operate / Setup. */
export function Nav({ current, onHelp }: { current: string; onHelp: () => void }) {
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
                {r.path === 'alerts' && <FiringCount />}
                {(r.path === 'stuck' || r.path === 'failures') && <TroubleBadge path={r.path} />}
              </a>
            ))}
          </div>
        );
      })}
      <PausedSummary />
      <div className="nav-foot">
        {/* The theme and the shortcuts' help live here, not in the top bar: a 1024-wide window needs that room. */}
        <div className="nav-tools">
          <ThemeSwitch />
          <button
            className="btn btn-ghost help-btn"
            onClick={onHelp}
            title="Keyboard shortcuts (?)"
            aria-label="Keyboard shortcuts"
            data-testid="shortcuts-button"
          >
            ?
          </button>
        </div>
        {mode === 'electron' ? 'Desktop' : mode === 'web' ? 'Web mode · localhost' : ''}
      </div>
    </nav>
  );
}
