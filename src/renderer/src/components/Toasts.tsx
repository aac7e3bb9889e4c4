import { useToasts } from '../store/toast-store.ts';
import { Icon } from './Icon.tsx';

/** Outcomes of actions taken outside a form; errors and warnings stay 10 s, notices 5 s. */
export function Toasts() {
  const { toasts, dismiss } = useToasts();
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} data-testid={`toast-${t.kind}`}>
          <Icon name={t.kind === 'info' ? 'info' : 'alert'} />
          <div>
            <div className="toast-title">{t.title}</div>
            <div className="toast-message">{t.message}</div>
          </div>
          <button className="icon-btn" onClick={() => dismiss(t.id)} aria-label="Dismiss">
            <Icon name="close" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
