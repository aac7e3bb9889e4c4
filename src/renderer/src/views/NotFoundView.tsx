import { href } from '../router.ts';

export function NotFoundView({ path }: { path: string }) {
  return (
    <div className="view-empty">
      <h1>No such view</h1>
      <p>
        There is nothing at <span className="mono">#/{path}</span>.
      </p>
      <a className="btn btn-primary" href={href('overview')}>
        Go to the overview
      </a>
    </div>
  );
}
