import { ConnectionBadge } from './ConnectionBadge.tsx';
import { RunnerControls } from './RunnerControls.tsx';
import { JobSearch } from './JobSearch.tsx';
import { ThemeSwitch } from './ThemeSwitch.tsx';

/**
 * The active database on the left, the job search, the hosted runner on the right, then the theme and the shortcuts' help.
 * Narrow windows (1024 wide) drop the runner's lesser details and wrap rather than overlap (styles.css).
 */
export function TopBar({ onHelp }: { onHelp: () => void }) {
  return (
    <header className="topbar">
      <ConnectionBadge />
      <JobSearch />
      <RunnerControls />
      <div className="topbar-tools">
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
    </header>
  );
}
