import { ConnectionBadge } from './ConnectionBadge.tsx';
import { RunnerControls } from './RunnerControls.tsx';
import { JobSearch } from './JobSearch.tsx';

/** The active database on the left, the hosted runner on the right. */
export function TopBar() {
  return (
    <header className="topbar">
      <ConnectionBadge />
      <JobSearch />
      <RunnerControls />
    </header>
  );
}
