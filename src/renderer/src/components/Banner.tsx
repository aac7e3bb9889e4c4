import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon.tsx';

interface Props {
  kind: 'danger' | 'warning' | 'info';
  testId: string;
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
}

const ICONS: Record<Props['kind'], IconName> = { danger: 'alert', warning: 'alert', info: 'eye' };

/** One full-width notice under the top bar. */
export function Banner({ kind, testId, title, children, actions }: Props) {
  return (
    <div className={`banner banner-${kind}`} data-testid={testId} role={kind === 'info' ? 'status' : 'alert'}>
      <Icon name={ICONS[kind]} size={18} className="banner-icon" />
      <div className="banner-text">
        <strong>{title}</strong>
        {children && <span className="banner-detail">{children}</span>}
      </div>
      {actions && <div className="banner-actions">{actions}</div>}
    </div>
  );
}
