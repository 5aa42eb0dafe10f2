import type { EvalReport, Operating } from './eval-report.js';

/**
 * The cost–quality plane of an offline router evaluation as one standalone SVG document.
 *
 * Written by hand rather than with a charting library so the report stays a single file that
 * opens anywhere (no scripts, fonts or CDN to fetch) and so the same report always gives the same
 * bytes: plots can be diffed and committed next to the numbers they show. Every mark carries
 * `data-series` / `data-label` so tests and scripts can find it without parsing geometry.
 */

const WIDTH = 800;
const HEIGHT = 520;
const PLOT = { left: 72, right: 600, top: 56, bottom: 440 };
const LEGEND = { x: 616, y: 64, row: 20, width: 176 };
const FONT = 'font-family="sans-serif"';
const COLOR = {
  single: '#4c78a8',
  oracle: '#e45756',
  random: '#72b7b2',
  randomSameMix: '#b279a2',
  router: '#f58518',
  mix: '#888888',
  sweep: '#54a24b',
  grid: '#e6e6e6',
  axis: '#333333',
};

/** A point in data units: x in USD per 1k requests, y in mean quality. */
type Point = { x: number; y: number };

type Axis = { low: number; high: number; ticks: number[]; decimals: number };

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[character] ?? 'amp'};`);
}

/** Pixel coordinates with one decimal: enough for a screen, and short, stable strings. */
function px(value: number): string {
  return value.toFixed(1);
}

function toPoint(operating: Operating): Point {
  return { x: operating.cost * 1000, y: operating.quality };
}

/** Decimals needed to print multiples of `step` exactly (0.25 → 2, 5 → 0). */
function decimalsOf(step: number): number {
  const fraction = step.toFixed(10).replace(/0+$/, '').split('.')[1] ?? '';
  return fraction.length;
}

/**
 * 4–6 round tick values (1, 2, 2.5 or 5 × 10^k apart) covering [min, max], the tightest such
 * cover winning so the points use as much of the plot as possible.
 */
function niceAxis(min: number, max: number): { low: number; high: number; ticks: number[]; step: number } {
  const exponent = Math.floor(Math.log10((max - min) / 5));
  let best: { low: number; high: number; ticks: number[]; step: number } | undefined;
  for (let power = exponent - 1; Number.isFinite(exponent) && power <= exponent + 2; power++) {
    for (const multiple of [1, 2, 2.5, 5]) {
      const step = multiple * 10 ** power;
      // The epsilon keeps a bound that is already a multiple from growing by a whole step.
      const low = Math.floor(min / step + 1e-9) * step;
      const high = Math.ceil(max / step - 1e-9) * step;
      const count = Math.round((high - low) / step) + 1;
      if (count < 4 || count > 6) continue;
      if (best === undefined || high - low < best.high - best.low - 1e-12) {
        const ticks = Array.from({ length: count }, (_, index) => Number((low + index * step).toFixed(10)));
        best = { low, high, ticks, step };
      }
    }
  }
  if (best !== undefined) return best;
  // Only for a span that is zero or not finite: with a positive one, the step ratios (at most 2)
  // always leave a step giving 4–6 ticks.
  const step = (max - min) / 4;
  return { low: min, high: max, ticks: Array.from({ length: 5 }, (_, index) => min + index * step), step };
}

/** The axis for `values`, padded by 8% of their span but not past a bound the data itself respects. */
function axisFor(values: readonly number[], minSpan: number, bounds: { floor: number; ceiling: number | undefined }, decimals: (step: number) => number): Axis {
  const finite = values.filter((value) => Number.isFinite(value));
  const dataLow = finite.length === 0 ? 0 : Math.min(...finite);
  const dataHigh = finite.length === 0 ? 1 : Math.max(...finite);
  // A lone point (or identical ones) still needs a span to scale against.
  const center = (dataLow + dataHigh) / 2;
  const half = Math.max(dataHigh - dataLow, minSpan) / 2;
  const pad = half * 2 * 0.08;
  const low = dataLow >= bounds.floor ? Math.max(bounds.floor, center - half - pad) : center - half - pad;
  const high = bounds.ceiling !== undefined && dataHigh <= bounds.ceiling ? Math.min(bounds.ceiling, center + half + pad) : center + half + pad;
  const nice = niceAxis(low, high);
  return { low: nice.low, high: nice.high, ticks: nice.ticks, decimals: decimals(nice.step) };
}

function text(content: string, x: number, y: number, attributes = ''): string {
  return `<text x="${px(x)}" y="${px(y)}" ${FONT}${attributes === '' ? '' : ` ${attributes}`}>${escapeXml(content)}</text>`;
}

function formatOptional(value: number | undefined, format: (value: number) => string): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : format(value);
}

/** The chart's marks in data units, before any scaling. */
type Mark = { series: 'single' | 'oracle' | 'random' | 'random-same-mix' | 'router'; label: string; point: Point };

function marksOf(report: EvalReport): Mark[] {
  const { baselines } = report;
  return [
    ...baselines.single.map((model): Mark => ({ series: 'single', label: model.model, point: toPoint(model) })),
    { series: 'oracle', label: 'oracle', point: toPoint(baselines.oracle) },
    { series: 'random', label: 'random (uniform)', point: toPoint(baselines.random) },
    { series: 'random-same-mix', label: 'random, same mix', point: toPoint(baselines.randomSameMix) },
    // Last, so the router is drawn on top of any baseline it coincides with.
    { series: 'router', label: report.router, point: toPoint(report.result) },
  ];
}

function sortedSweep(report: EvalReport): Point[] {
  return (report.sweep?.points ?? []).map(toPoint).sort((a, b) => a.x - b.x || a.y - b.y);
}

export function renderCostQualityPlot(report: EvalReport, options: { title?: string } = {}): string {
  const marks = marksOf(report);
  const sweep = sortedSweep(report);
  const hull = report.envelope.hull.map(toPoint);
  const curve = (report.envelope.router?.points ?? []).map(toPoint);
  const everything = [...marks.map((mark) => mark.point), ...sweep, ...hull, ...curve];
  const xs = everything.map((point) => point.x);
  const maxCost = Math.max(0, ...xs.filter((value) => Number.isFinite(value)).map(Math.abs));
  const xAxis = axisFor(xs, Math.max(maxCost * 0.2, 1e-3), { floor: 0, ceiling: undefined }, decimalsOf);
  const yAxis = axisFor(
    everything.map((point) => point.y),
    0.02,
    { floor: 0, ceiling: 1 },
    (step) => Math.min(3, Math.max(2, decimalsOf(step))),
  );
  const sx = (value: number): number => PLOT.left + ((value - xAxis.low) / (xAxis.high - xAxis.low)) * (PLOT.right - PLOT.left);
  const sy = (value: number): number => PLOT.bottom - ((value - yAxis.low) / (yAxis.high - yAxis.low)) * (PLOT.bottom - PLOT.top);
  const drawable = (point: Point): boolean => Number.isFinite(point.x) && Number.isFinite(point.y);

  const out: string[] = [];
  const title = options.title ?? `Router "${report.router}": cost vs quality`;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}">`);
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  out.push(text(title, WIDTH / 2, 30, 'font-size="16" font-weight="bold" text-anchor="middle" data-series="title"'));

  // Axes, grid and ticks.
  out.push('<g data-series="axes">');
  for (const tick of xAxis.ticks) {
    const x = sx(tick);
    out.push(`<line x1="${px(x)}" y1="${PLOT.top}" x2="${px(x)}" y2="${PLOT.bottom}" stroke="${COLOR.grid}"/>`);
    out.push(text(tick.toFixed(xAxis.decimals), x, PLOT.bottom + 16, 'font-size="11" text-anchor="middle" data-tick="x"'));
  }
  for (const tick of yAxis.ticks) {
    const y = sy(tick);
    out.push(`<line x1="${PLOT.left}" y1="${px(y)}" x2="${PLOT.right}" y2="${px(y)}" stroke="${COLOR.grid}"/>`);
    out.push(text(tick.toFixed(yAxis.decimals), PLOT.left - 6, y + 4, 'font-size="11" text-anchor="end" data-tick="y"'));
  }
  out.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="${COLOR.axis}"/>`);
  const costLabel = report.costSource === 'data' ? 'costs from the data' : 'costs from catalog prices';
  out.push(text(`$ per 1k requests (mean, ${costLabel})`, (PLOT.left + PLOT.right) / 2, PLOT.bottom + 40, 'font-size="12" text-anchor="middle"'));
  const yMiddle = (PLOT.top + PLOT.bottom) / 2;
  out.push(text('mean quality', 20, yMiddle, `font-size="12" text-anchor="middle" transform="rotate(-90 20 ${px(yMiddle)})"`));
  out.push('</g>');

  const polyline = (points: readonly Point[]): string => points.map((point) => `${px(sx(point.x))},${px(sy(point.y))}`).join(' ');
  // The best static mix of two models at each cost: segments between neighbours on the hull.
  const withEnvelope = hull.length >= 2 && hull.every(drawable);
  if (withEnvelope) out.push(`<polyline data-series="envelope" points="${polyline(hull)}" fill="none" stroke="${COLOR.mix}" stroke-width="1.5" stroke-dasharray="6 4"/>`);

  if (report.sweep !== undefined) {
    const points = sweep.filter(drawable);
    const label = `${report.sweep.policy} sweep`;
    out.push(
      `<polyline data-series="sweep" data-label="${escapeXml(label)}" points="${points.map((point) => `${px(sx(point.x))},${px(sy(point.y))}`).join(' ')}" fill="none" stroke="${COLOR.sweep}" stroke-width="2"/>`,
    );
    const last = points.at(-1);
    if (last !== undefined) out.push(text(label, sx(last.x) - 4, sy(last.y) + 16, `font-size="11" text-anchor="end" fill="${COLOR.sweep}" data-label="${escapeXml(label)}"`));
  }

  const router = report.envelope.router;
  if (router !== undefined && curve.length > 0 && curve.every(drawable)) {
    out.push(
      `<polyline data-series="router-curve" data-label="${escapeXml(`${router.policy} curve`)}" points="${polyline(curve)}" fill="none" stroke="${COLOR.router}" stroke-width="2.5"/>`,
    );
  }

  for (const mark of marks) {
    if (!drawable(mark.point)) continue;
    const x = sx(mark.point.x);
    const y = sy(mark.point.y);
    out.push(markShape(mark, x, y));
    // Labels flip to the left near the legend so they stay inside the plot.
    const nearRight = x > PLOT.right - 110;
    const anchor = nearRight ? 'end' : 'start';
    const weight = mark.series === 'router' ? ' font-weight="bold"' : '';
    out.push(text(mark.label, nearRight ? x - 10 : x + 10, y - 8, `font-size="11" text-anchor="${anchor}"${weight} data-label="${escapeXml(mark.label)}"`));
  }

  out.push(...legend(report, withEnvelope));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function markShape(mark: Mark, x: number, y: number): string {
  const data = `data-series="${mark.series}" data-label="${escapeXml(mark.label)}"`;
  switch (mark.series) {
    case 'single':
      return `<circle ${data} cx="${px(x)}" cy="${px(y)}" r="4.5" fill="${COLOR.single}"/>`;
    case 'oracle':
      return `<polygon ${data} points="${diamond(x, y, 7)}" fill="${COLOR.oracle}"/>`;
    case 'random':
      return `<circle ${data} cx="${px(x)}" cy="${px(y)}" r="4.5" fill="#ffffff" stroke="${COLOR.random}" stroke-width="2"/>`;
    case 'random-same-mix':
      return `<circle ${data} cx="${px(x)}" cy="${px(y)}" r="4.5" fill="#ffffff" stroke="${COLOR.randomSameMix}" stroke-width="2"/>`;
    case 'router':
      return `<circle ${data} cx="${px(x)}" cy="${px(y)}" r="8" fill="${COLOR.router}" stroke="${COLOR.axis}" stroke-width="1.5"/>`;
  }
}

function diamond(x: number, y: number, size: number): string {
  return [
    [x, y - size],
    [x + size, y],
    [x, y + size],
    [x - size, y],
  ]
    .map(([a, b]) => `${px(a as number)},${px(b as number)}`)
    .join(' ');
}

function legend(report: EvalReport, withEnvelope: boolean): string[] {
  // Legend symbols use data-legend, not data-series, so they never count as plotted points.
  const rows: { symbol: (x: number, y: number) => string; label: string }[] = [
    { label: `${report.router} (router)`, symbol: (x, y) => `<circle data-legend="router" cx="${px(x)}" cy="${px(y)}" r="6" fill="${COLOR.router}" stroke="${COLOR.axis}"/>` },
    { label: 'single model', symbol: (x, y) => `<circle data-legend="single" cx="${px(x)}" cy="${px(y)}" r="4.5" fill="${COLOR.single}"/>` },
    { label: 'oracle', symbol: (x, y) => `<polygon data-legend="oracle" points="${diamond(x, y, 6)}" fill="${COLOR.oracle}"/>` },
    { label: 'random (uniform)', symbol: (x, y) => `<circle data-legend="random" cx="${px(x)}" cy="${px(y)}" r="4.5" fill="#ffffff" stroke="${COLOR.random}" stroke-width="2"/>` },
    {
      label: 'random, same mix',
      symbol: (x, y) => `<circle data-legend="random-same-mix" cx="${px(x)}" cy="${px(y)}" r="4.5" fill="#ffffff" stroke="${COLOR.randomSameMix}" stroke-width="2"/>`,
    },
  ];
  const line = (name: string, color: string, dash: string) => (x: number, y: number) =>
    `<line data-legend="${name}" x1="${px(x - 8)}" y1="${px(y)}" x2="${px(x + 8)}" y2="${px(y)}" stroke="${color}" stroke-width="2"${dash}/>`;
  if (withEnvelope) rows.push({ label: 'best static two-model mix', symbol: line('envelope', COLOR.mix, ' stroke-dasharray="6 4"') });
  if (report.sweep !== undefined) rows.push({ label: `${report.sweep.policy} sweep`, symbol: line('sweep', COLOR.sweep, '') });
  if (report.envelope.router !== undefined) rows.push({ label: `${report.envelope.router.policy} curve (hull)`, symbol: line('router-curve', COLOR.router, '') });

  const out = ['<g data-series="legend">'];
  out.push(`<rect x="${LEGEND.x}" y="${LEGEND.y - 14}" width="${LEGEND.width}" height="${rows.length * LEGEND.row + 10}" fill="#ffffff" stroke="${COLOR.grid}"/>`);
  rows.forEach((row, index) => {
    const y = LEGEND.y + index * LEGEND.row;
    out.push(row.symbol(LEGEND.x + 14, y));
    out.push(text(row.label, LEGEND.x + 28, y + 4, 'font-size="11"'));
  });
  if (report.twoModel !== undefined) {
    // CPT is the share of calls (0..100) that must go to the strong model to recover that much of the gap.
    const { strong, weak, apgr, cpt50, cpt80 } = report.twoModel;
    const percent = (value: number): string => `${value.toFixed(1)}%`;
    const summary = `${strong} vs ${weak}: APGR ${formatOptional(apgr, (value) => value.toFixed(3))} | CPT(50%) ${formatOptional(cpt50, percent)} | CPT(80%) ${formatOptional(cpt80, percent)} (strong calls)`;
    out.push(text(summary, PLOT.left, HEIGHT - 12, 'font-size="11" data-series="two-model"'));
  }
  const comparison = report.envelope.comparison;
  if (comparison !== undefined) {
    const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
    const summary = `Router curve vs best static mix, $${(comparison.from * 1000).toFixed(3)}-$${(comparison.to * 1000).toFixed(3)} per 1k: mean ${signed(comparison.area)}, least ${signed(comparison.worst.gap)}`;
    out.push(text(summary, PLOT.left, report.twoModel === undefined ? HEIGHT - 12 : HEIGHT - 26, 'font-size="11" data-series="envelope-summary"'));
  }
  out.push('</g>');
  return out;
}
