/** Jobdeck's own server cannot be reached or refuses this page (no token): nothing else can work. */
export function FatalView({ message }: { message: string }) {
  return (
    <div className="view-empty" data-testid="fatal">
      <h1>The console cannot reach Jobdeck</h1>
      <p className="banner-error-text">{message}</p>
      <p className="dim">
        In web mode, open the exact URL Jobdeck printed when it started (<span className="mono">npm start</span> or{' '}
        <span className="mono">npm run serve</span>): it carries the access token.
      </p>
    </div>
  );
}
