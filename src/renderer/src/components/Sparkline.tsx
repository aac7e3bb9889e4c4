/** A tiny trend line (no axes), scaled to its own min and max; flat when there is nothing to show. */
export function Sparkline({ values, color }: { values: number[]; color: string }) {
  const w = 120;
  const h = 28;
  // Nothing happened: a quiet baseline, not a coloured line that draws the eye.
  if (values.length < 2 || values.every((v) => v === 0)) {
    return (
      <svg className="sparkline" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-hidden="true">
        <line x1={0} x2={w} y1={h - 1} y2={h - 1} stroke="var(--border-strong)" strokeWidth={1.5} vectorEffect="non-scaling-stroke" />
      </svg>
    );
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const points = values.map((v, i) => {
    const x = (i / (values.length - 1)) * w;
    const y = max === min ? h - 2 : h - 2 - ((v - min) / span) * (h - 4);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  return (
    <svg className="sparkline" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-hidden="true">
      <polygon points={`0,${h} ${points.join(' ')} ${w},${h}`} fill={color} fillOpacity={0.12} />
      <polyline
        points={points.join(' ')}
        fill="none"
        stroke={color}
        strokeWidth={1.5}
        vectorEffect="non-scaling-stroke"
        strokeLinejoin="round"
      />
    </svg>
  );
}
