const SEC = 1000;
const MIN = 60 * SEC;
// Seconds first: a chart whose history is a minute long (the console just connected) gets a tick every 10 s rather
// than a single label, so its span reads as a minute, not as the hour its range button says.
const STEPS = [10 * SEC, 15 * SEC, 30 * SEC, ...[1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * MIN)];

/** The step timeTicks chooses for a span: below a minute, the axis labels need seconds. */
export function tickStep(from: number, to: number, count = 7): number {
  return STEPS.find((s) => (to - from) / s <= count) ?? 1440 * MIN;
}

/** Round-time ticks (every 10 s, every 5 min, every 3 h, every day…) for a time axis, about `count` of them. */
export function timeTicks(from: number, to: number, count = 7): number[] {
  const step = tickStep(from, to, count);
  // Align to the local clock (whole hours and days in the viewer's time zone).
  const offset = new Date(from).getTimezoneOffset() * MIN;
  const first = Math.ceil((from - offset) / step) * step + offset;
  const ticks: number[] = [];
  for (let t = first; t <= to; t += step) ticks.push(t);
  return ticks;
}
