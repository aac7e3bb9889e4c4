import { useOp } from '../../data/use-op.ts';
import { errorMessage } from '../../api/client.ts';
import { AlertList } from './AlertList.tsx';
import { RulesPanel } from './RulesPanel.tsx';
import { ChannelsPanel } from './ChannelsPanel.tsx';
import './alerts.css';

/** Alert rules, channels and the history of alerts. */
export function AlertsView() {
  const settings = useOp('alerts.rules.get', {});
  return (
    <div className="alerts-view">
      <div className="view-head">
        <h1>Alerts</h1>
        <span className="view-note" data-testid="alerts-while-running">
          Evaluated by Jobdeck while it runs: while it is closed nothing is watched, and what happened meanwhile is judged when it starts
          again.
        </span>
      </div>
      {settings.error && <div className="form-error">{errorMessage(settings.error)}</div>}
      <div className="alerts-grid">
        <AlertList rules={settings.data?.rules ?? []} />
        <div className="alerts-side">
          {settings.data && <RulesPanel settings={settings.data} />}
          {settings.data && <ChannelsPanel settings={settings.data} />}
        </div>
      </div>
    </div>
  );
}
