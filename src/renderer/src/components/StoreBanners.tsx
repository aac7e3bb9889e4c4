import type { StoreIncident } from '../../../shared/model/status.ts';
import { formatClock } from '../format.ts';
import { Banner } from './Banner.tsx';

const TITLES: Record<StoreIncident['kind'], string> = {
  damaged: "Jobdeck's data file was damaged: a fresh one was started",
  missing: "Jobdeck's data file was missing: a fresh one was started",
  emptied: "Jobdeck's data file had been emptied: a fresh one was started",
  restored: "Jobdeck's data file was put back from the copy it saved",
  deleted_while_running: "Jobdeck's data file was deleted while it ran",
  damaged_while_running: "Jobdeck's data file was damaged while it ran: restart Jobdeck",
};

/** What happened to Jobdeck's own SQLite file (history, audit, rules, connections): shown until Jobdeck restarts. */
export function StoreBanners({ incidents }: { incidents: StoreIncident[] }) {
  return incidents.map((incident, i) => (
    <Banner
      key={`${incident.kind}-${i}`}
      kind={incident.kind === 'deleted_while_running' || incident.kind === 'restored' ? 'warning' : 'danger'}
      testId={`banner-store-${incident.kind}`}
      title={TITLES[incident.kind]}
    >
      {incident.detail} Not in the file in use: {incident.lost}.{' '}
      {incident.movedTo && (
        <>
          Kept at <span className="mono">{incident.movedTo}</span>.{' '}
        </>
      )}
      <span className="muted">({formatClock(incident.at)})</span>
    </Banner>
  ));
}
