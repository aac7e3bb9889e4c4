/**
 * `j`/`k` in the main content's list: moves a visible mark (and the focus) from row to row, in document order,
 * across the rows the view shows. Views need not register anything: their rows are found by what they are.
 */
const ROW_SELECTOR = [
  '.job-row:not(.job-head)',
  'table tbody tr:not(.attempt-detail):not(:has(> .table-empty))',
  '.conn-row',
  '.alert-item',
  '.bf-rule',
  '.type-bar-row',
].join(', ');

export const CURRENT_CLASS = 'kbd-current';

function visibleRows(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(ROW_SELECTOR)].filter((row) => row.getClientRects().length > 0);
}

/** Marks and focuses the next (by 1) or previous (by -1) row; false when the view has no list. */
export function moveInList(root: HTMLElement, by: 1 | -1): boolean {
  const rows = visibleRows(root);
  if (rows.length === 0) return false;
  const current = rows.findIndex((row) => row.classList.contains(CURRENT_CLASS) || row.contains(document.activeElement));
  const next = current < 0 ? (by > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, current + by));
  root.querySelectorAll(`.${CURRENT_CLASS}`).forEach((el) => el.classList.remove(CURRENT_CLASS));
  const row = rows[next];
  row.classList.add(CURRENT_CLASS);
  if (row.tabIndex < 0 && !row.hasAttribute('tabindex')) row.tabIndex = -1;
  row.focus({ preventScroll: true });
  row.scrollIntoView({ block: 'nearest' });
  return true;
}

/** Enter on a marked row: follows its first link, or clicks the row (rows that open on click). */
export function openCurrentRow(root: HTMLElement): boolean {
  const row = root.querySelector<HTMLElement>(`.${CURRENT_CLASS}`);
  if (!row || document.activeElement !== row) return false;
  if (row.matches('a[href], button')) return false; // the browser's own Enter opens it
  const link = row.matches('a[href]') ? row : row.querySelector<HTMLElement>('a[href]');
  (link ?? row).click();
  return true;
}
