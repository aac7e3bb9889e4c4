const MIN = 60_000;
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * MIN);

/** Round-time ticks (every 5 min, every 3 h, every day…) for a time axis, about `count` of them. */
export function timeTicks(from: number, to: number, count = 7): number[] {
  const span = to - from;
  const step = STEPS.find((s) => span / s <= count) ?? 1440 * MIN;
  // Align to the local clock (whole hours and days in the viewer's time zone).
  const offset = new Date(from).getTimezoneOffset() * MIN;
  const first = Math.ceil((from - offset) / step) * step + offset;
  const ticks: number[] = [];
  for (let t = first; t <= to; t += step) ticks.push(t);
  return ticks;
}
