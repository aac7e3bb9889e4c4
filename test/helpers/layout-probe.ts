/**
 * What a layout test asks the page (run in the browser as a string: the test's TypeScript knows no DOM). It
 * answers a list of problems, empty when the layout holds:
 * - the page (.main) or a table's scroll box (.table-scroll, .job-scroll, any overflow-x: auto box in the view)
 *   scrolls sideways;
 * - two parts of the top bar overlap, or one sticks out of it; the connection's state word is cut;
 * - two cards of a row of cards overlap, or a card is cut off at the view's right edge;
 * - two cells of a table's header or first rows overlap, or a cell ends past its table's box.
 */
export const LAYOUT_PROBE = `(() => {
  const problems = [];
  const box = (el) => el.getBoundingClientRect();
  const shown = (el) => { const r = box(el); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  const name = (el) => el.tagName.toLowerCase() + (el.dataset.testid ? '[' + el.dataset.testid + ']' : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const pairwise = (els, what) => {
    const list = els.filter(shown);
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++)
        if (overlap(box(list[i]), box(list[j]))) problems.push(what + ': ' + name(list[i]) + ' overlaps ' + name(list[j]));
  };
  const inside = (el, outer, what) => {
    const r = box(el), o = box(outer);
    if (shown(el) && (r.right > o.right + 1 || r.left < o.left - 1)) problems.push(what + ': ' + name(el) + ' [' + Math.round(r.left) + '-' + Math.round(r.right) + '] outside ' + name(outer) + ' [' + Math.round(o.left) + '-' + Math.round(o.right) + ']');
  };

  const main = document.querySelector('.main');
  if (main.scrollWidth > main.clientWidth) problems.push('the page scrolls sideways: ' + main.scrollWidth + ' > ' + main.clientWidth);
  const view = document.getElementById('main-content');
  const scrollers = [...view.querySelectorAll('*')].filter((el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX));
  for (const el of scrollers)
    if (el.scrollWidth > el.clientWidth + 1) problems.push('scrolls sideways: ' + name(el) + ' ' + el.scrollWidth + ' > ' + el.clientWidth);

  const bar = document.querySelector('.topbar');
  const barParts = [...bar.children, ...bar.querySelectorAll('.runner > *, .conn-badge > *')];
  pairwise([...bar.children], 'top bar');
  pairwise([...bar.querySelectorAll('.runner > *')], 'runner');
  for (const part of barParts) inside(part, bar, 'top bar');
  for (const state of bar.querySelectorAll('.conn-state')) inside(state, state.closest('.conn-text'), 'connection state');
  const navTools = document.querySelector('.nav-tools');
  pairwise([...navTools.children], 'theme and help');
  for (const part of navTools.children) inside(part, document.querySelector('.nav'), 'navigation');

  const cardRows = ['.state-cards', '.fail-cards', '.usage-cards', '.stuck-summary', '.bf-figures', '.job-facts'];
  for (const sel of cardRows)
    for (const row of view.querySelectorAll(sel)) {
      pairwise([...row.children], 'cards');
      for (const card of row.children) inside(card, view, 'cards');
    }

  const rowsOf = (table) => [...table.querySelectorAll(':scope > thead > tr, :scope > tbody > tr')].filter(shown).slice(0, 6);
  for (const table of view.querySelectorAll('table')) {
    if (!shown(table)) continue;
    const frame = table.closest('.table-scroll, .panel') ?? view;
    for (const tr of rowsOf(table)) {
      const cells = [...tr.children].filter(shown);
      pairwise(cells, 'table cells');
      for (const cell of cells) inside(cell, frame, 'table cells');
    }
  }
  for (const list of view.querySelectorAll('.job-table')) {
    for (const row of [...list.querySelectorAll('.job-row')].filter(shown).slice(0, 6)) {
      pairwise([...row.children], 'job list cells');
      for (const cell of row.children) inside(cell, list, 'job list cells');
    }
  }
  return problems;
})()`;
