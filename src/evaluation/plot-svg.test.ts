import { describe, expect, it } from 'vitest';
import type { EvalReport } from './eval-report.js';
import { renderCostQualityPlot } from './plot-svg.js';

function report(overrides: Partial<EvalReport> = {}): EvalReport {
  const cheap = { model: 'cheap-mini', quality: 0.62, cost: 0.0002 };
  const strong = { model: 'big-pro', quality: 0.81, cost: 0.004 };
  return {
    router: 'smart',
    examples: 200,
    contaminated: 0,
    unrouted: 0,
    costSource: 'data',
    result: { quality: 0.78, cost: 0.0015, costPer1k: 1.5 },
    models: [
      { ...cheap, data: 'cheap.jsonl', share: 0.7 },
      { ...strong, data: 'big.jsonl', share: 0.3 },
    ],
    reference: undefined,
    baselines: {
      single: [cheap, strong],
      random: { quality: 0.715, cost: 0.0021 },
      randomSameMix: { quality: 0.677, cost: 0.00134 },
      oracle: { quality: 0.86, cost: 0.0011 },
    },
    twoModel: undefined,
    sweep: undefined,
    envelope: { hull: [cheap, strong], router: undefined, comparison: undefined, tasks: [] },
    crossValidation: undefined,
    ...overrides,
  };
}

/** Every element of `tag` with its attributes, in document order. */
function elements(svg: string, tag: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\s([^>]*)>`, 'g'))].map((match) =>
    Object.fromEntries([...(match[1] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)].map((attribute) => [attribute[1] ?? '', attribute[2] ?? ''])),
  );
}

function circle(svg: string, series: string, label: string): Record<string, string> {
  const found = elements(svg, 'circle').find((attributes) => attributes['data-series'] === series && attributes['data-label'] === label);
  if (found === undefined) throw new Error(`no ${series} circle labelled ${label}`);
  return found;
}

function count(svg: string, fragment: string): number {
  return svg.split(fragment).length - 1;
}

const SWEEP: NonNullable<EvalReport['sweep']> = {
  policy: 'strong_weak',
  parameter: 'threshold',
  current: 0.1,
  // Out of cost order on purpose: the renderer sorts them.
  points: [
    { value: 0, quality: 0.81, cost: 0.004, shares: [0, 1] },
    { value: 1, quality: 0.62, cost: 0.0002, shares: [1, 0] },
    { value: 0.1, quality: 0.78, cost: 0.0015, shares: [0.7, 0.3] },
  ],
};

describe('renderCostQualityPlot', () => {
  it('returns a standalone SVG document with balanced text elements and no scripts', () => {
    const svg = renderCostQualityPlot(report());
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(count(svg, '<text')).toBeGreaterThan(0);
    expect(count(svg, '<text')).toBe(count(svg, '</text>'));
    expect(count(svg, '<g')).toBe(count(svg, '</g>'));
    expect(svg).not.toMatch(/<script|href=|@import|url\(/i);
  });

  it('labels every single model, the baselines and the router', () => {
    const svg = renderCostQualityPlot(report());
    for (const model of ['cheap-mini', 'big-pro']) expect(circle(svg, 'single', model)['cx']).toBeDefined();
    expect(circle(svg, 'router', 'smart')['r']).toBe('8');
    expect(circle(svg, 'random', 'random (uniform)')['fill']).toBe('#ffffff');
    expect(circle(svg, 'random-same-mix', 'random, same mix')['fill']).toBe('#ffffff');
    expect(elements(svg, 'polygon').some((attributes) => attributes['data-series'] === 'oracle')).toBe(true);
    expect(svg).toContain('>smart</text>');
    expect(svg).toContain('Router &quot;smart&quot;: cost vs quality');
  });

  it('uses the given title instead of the default', () => {
    const svg = renderCostQualityPlot(report(), { title: 'Q3 eval' });
    expect(svg).toContain('>Q3 eval</text>');
    expect(svg).not.toContain('cost vs quality');
  });

  it('escapes model and router names for XML', () => {
    const odd = { model: 'a<b&c', quality: 0.5, cost: 0.001 };
    const base = report();
    const svg = renderCostQualityPlot(report({ router: `it's "x"`, baselines: { ...base.baselines, single: [...base.baselines.single, odd] } }));
    expect(svg).toContain('a&lt;b&amp;c');
    expect(svg).not.toContain('a<b&c');
    expect(svg).toContain('it&apos;s &quot;x&quot;');
    expect(count(svg, '<text')).toBe(count(svg, '</text>'));
  });

  it('draws higher quality higher up (smaller y) and higher cost further right', () => {
    const svg = renderCostQualityPlot(report());
    const cheap = circle(svg, 'single', 'cheap-mini');
    const strong = circle(svg, 'single', 'big-pro');
    expect(Number(strong['cy'])).toBeLessThan(Number(cheap['cy']));
    expect(Number(strong['cx'])).toBeGreaterThan(Number(cheap['cx']));
  });

  it('keeps every point inside the plot area', () => {
    const svg = renderCostQualityPlot(report({ sweep: SWEEP }));
    const frame = elements(svg, 'rect').find((attributes) => attributes['fill'] === 'none');
    if (frame === undefined) throw new Error('no plot frame');
    const [left, top] = [Number(frame['x']), Number(frame['y'])];
    const [right, bottom] = [left + Number(frame['width']), top + Number(frame['height'])];
    for (const point of elements(svg, 'circle').filter((attributes) => attributes['data-series'] !== undefined)) {
      expect(Number(point['cx'])).toBeGreaterThanOrEqual(left);
      expect(Number(point['cx'])).toBeLessThanOrEqual(right);
      expect(Number(point['cy'])).toBeGreaterThanOrEqual(top);
      expect(Number(point['cy'])).toBeLessThanOrEqual(bottom);
    }
  });

  it('labels the x axis in dollars per 1k requests with 4 to 6 ticks, and quality ticks with 2 to 3 decimals', () => {
    const svg = renderCostQualityPlot(report());
    expect(svg).toContain('$ per 1k requests');
    const ticks = (axis: string): string[] => [...svg.matchAll(new RegExp(`data-tick="${axis}">([^<]*)</text>`, 'g'))].map((match) => match[1] ?? '');
    const xTicks = ticks('x');
    expect(xTicks.length).toBeGreaterThanOrEqual(4);
    expect(xTicks.length).toBeLessThanOrEqual(6);
    // The most expensive model costs $4 per 1k requests, so the axis must reach at least 4.
    expect(Math.max(...xTicks.map(Number))).toBeGreaterThanOrEqual(4);
    const yTicks = ticks('y');
    expect(yTicks.length).toBeGreaterThanOrEqual(4);
    for (const tick of yTicks) expect(tick).toMatch(/^\d\.\d{2,3}$/);
  });

  it('draws the envelope through its hull models only when it has two or more', () => {
    expect(count(renderCostQualityPlot(report()), 'data-series="envelope"')).toBe(1);
    const base = report();
    const alone = report({ envelope: { ...base.envelope, hull: [{ model: 'only', quality: 0.7, cost: 0.001 }] } });
    expect(renderCostQualityPlot(alone)).not.toContain('data-series="envelope"');
  });

  it('draws the hull and the router’s curve with one vertex per point, in cost order, and the comparison', () => {
    const hull = [
      { model: 'a', quality: 0.5, cost: 0.0001 },
      { model: 'b', quality: 0.7, cost: 0.0005 },
      { model: 'c', quality: 0.8, cost: 0.002 },
      { model: 'd', quality: 0.85, cost: 0.005 },
    ];
    const points = [
      { value: 0, quality: 0.5, cost: 0.0001 },
      { value: 0.6, quality: 0.75, cost: 0.0006 },
      { value: 0.9, quality: 0.84, cost: 0.003 },
    ];
    const comparison = { from: 0.0001, to: 0.005, area: 0.0123, worst: { cost: 0.0001, gap: 0 }, gaps: [] };
    const svg = renderCostQualityPlot(report({ envelope: { hull, router: { policy: 'cheapest_above', parameter: 'min_quality', points }, comparison, tasks: [] } }));
    const xs = (series: string): number[] =>
      (elements(svg, 'polyline').find((attributes) => attributes['data-series'] === series)?.['points'] ?? '').split(' ').map((pair) => Number(pair.split(',')[0]));
    expect(xs('envelope')).toHaveLength(4);
    expect(xs('router-curve')).toHaveLength(3);
    for (const series of ['envelope', 'router-curve']) expect(xs(series)).toEqual([...xs(series)].sort((a, b) => a - b));
    // The curve ends where its last point is: further right than c, left of d.
    const end = xs('router-curve').at(-1) as number;
    expect(end).toBeGreaterThan(xs('envelope')[2] as number);
    expect(end).toBeLessThan(xs('envelope')[3] as number);
    expect(svg).toContain('cheapest_above curve (hull)');
    expect(svg).toContain('mean +0.0123');
  });

  it('draws the sweep as a polyline sorted by cost only when a sweep is given', () => {
    expect(renderCostQualityPlot(report())).not.toContain('data-series="sweep"');
    const svg = renderCostQualityPlot(report({ sweep: SWEEP }));
    expect(count(svg, '<polyline data-series="sweep"')).toBe(1);
    expect(svg).toContain('strong_weak sweep');
    const points = (elements(svg, 'polyline').find((attributes) => attributes['data-series'] === 'sweep')?.['points'] ?? '').split(' ').map((pair) => Number(pair.split(',')[0]));
    expect(points).toHaveLength(3);
    expect(points).toEqual([...points].sort((a, b) => a - b));
  });

  it('adds the two-model metrics to the legend, with n/a for the undefined ones', () => {
    expect(renderCostQualityPlot(report())).not.toContain('APGR');
    const twoModel: NonNullable<EvalReport['twoModel']> = { strong: 'big-pro', weak: 'cheap-mini', scoreKind: 'predicted_gain', apgr: 0.6421, cpt50: 23.25, cpt80: undefined, curve: [] };
    const svg = renderCostQualityPlot(report({ twoModel }));
    expect(svg).toContain('APGR 0.642');
    expect(svg).toContain('CPT(50%) 23.3%');
    expect(svg).toContain('CPT(80%) n/a');
  });

  it('is deterministic', () => {
    const input = report({ sweep: SWEEP });
    expect(renderCostQualityPlot(input)).toBe(renderCostQualityPlot(structuredClone(input)));
  });
});
