import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** An element's place on screen, named for assertion messages. */
export interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Whether two boxes share more than a pixel each way (anti-aliasing allowed). */
export function overlaps(a: Omit<Box, 'name'>, b: Omit<Box, 'name'>): boolean {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 1 && h > 1;
}

/** The part of a DOM element read here (the tests' TypeScript knows no DOM). */
type RectElement = { getBoundingClientRect(): { x: number; y: number; width: number; height: number } };

/**
 * The boxes of the visible elements a selector matches, named by `name`. All are read in one go, in the same layout:
 * read one by one, a re-render between two reads (fresh counts, a resize settling) could pair boxes of two layouts
 * and report an overlap that was never on screen.
 */
export async function boxes(page: Page, selector: string, name: (i: number) => string = (i) => `${selector}[${i}]`): Promise<Box[]> {
  const rects = await page.locator(selector).evaluateAll((elements: RectElement[]) =>
    elements.map((element) => {
      const { x, y, width, height } = element.getBoundingClientRect();
      return { x, y, width, height };
    }),
  );
  return rects.flatMap((b, i) => (b.width > 0 && b.height > 0 ? [{ name: name(i), ...b }] : []));
}

/** No two boxes overlap. */
export function assertApart(list: Box[], where: string): void {
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [a, b] = [list[i], list[j]];
      assert.ok(!overlaps(a, b), `${where}: ${a.name} and ${b.name} overlap (${JSON.stringify(a)} / ${JSON.stringify(b)})`);
    }
  }
}
