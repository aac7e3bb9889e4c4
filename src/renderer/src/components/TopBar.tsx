import { ConnectionBadge } from './ConnectionBadge.tsx';
import { RunnerControls } from './RunnerControls.tsx';
import { JobSearch } from './JobSearch.tsx';

/**
 * The active database on the left, the job search, the hosted runner on the right.
 * Narrow windows (1024 wide) drop the runner's lesser details and wrap rather than overlap (styles.css).
 */
export function TopBar() {
  return (
    <header className="topbar">
      <ConnectionBadge />
      <JobSearch />
      <RunnerControls />
    </header>
  );
}
