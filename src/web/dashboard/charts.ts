import type { Bucket } from './api-types.js';
import { append, byId, fill, svg } from './dom.js';
import { fmtAxisUsd, fmtClock, fmtDuration, fmtUsd, isNum } from './format.js';
import { state } from './state.js';

type Frame = { width: number; height: number; left: number; right: number; top: number; bottom: number; plotWidth: number; plotHeight: number; root: SVGElement };

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Every bucket of the window, the empty ones too. */
function buckets(range: { since: number; until: number; bucketMs: number }, timeline: Bucket[]): Bucket[] {
  const size = range.bucketMs;
  const first = Math.floor(range.since / size) * size;
  const last = Math.floor(range.until / size) * size;
  const byStart = new Map<number, Bucket>();
  for (const bucket of timeline) byStart.set(bucket.start, bucket);
  const list: Bucket[] = [];
  for (let start = first; start <= last; start += size) {
    list.push(byStart.get(start) || { start, requests: 0, errors: 0, fallbacks: 0, costUsd: 0, referenceCostUsd: 0, meanLatencyMs: null });
  }
  return list;
}

function chartFrame(container: HTMLElement, height: number): Frame {
  const width = Math.max(280, Math.floor(container.clientWidth || 600));
  const left = 52;
  const right = 10;
  const top = 10;
  const bottom = 24;
  const root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, width, height, role: 'img' });
  return { width, height, left, right, top, bottom, plotWidth: width - left - right, plotHeight: height - top - bottom, root };
}

function yAxis(frame: Frame, max: number, label: (value: number) => string): void {
  for (const fraction of [0, 0.5, 1]) {
    const y = frame.top + frame.plotHeight * (1 - fraction);
    append(frame.root, svg('line', { class: fraction === 0 ? 'axis' : 'gridline', x1: frame.left, x2: frame.width - frame.right, y1: y, y2: y }));
    append(frame.root, svg('text', { x: frame.left - 6, y: y + 4, 'text-anchor': 'end' }, label(max * fraction)));
  }
}

function xAxis(frame: Frame, list: Bucket[], size: number): void {
  const count = list.length;
  const ticks = Math.max(2, Math.min(6, Math.floor(frame.plotWidth / 90)));
  const withSeconds = size < 60000;
  for (let i = 0; i < ticks; i++) {
    const index = Math.round((i * (count - 1)) / (ticks - 1));
    const x = frame.left + (index + 0.5) * (frame.plotWidth / count);
    const anchor = i === 0 ? 'start' : i === ticks - 1 ? 'end' : 'middle';
    const bucket = list[index];
    if (!bucket) continue;
    append(
      frame.root,
      svg('text', { x: anchor === 'start' ? frame.left : anchor === 'end' ? frame.width - frame.right : x, y: frame.height - 6, 'text-anchor': anchor }, fmtClock(bucket.start, withSeconds)),
    );
  }
}

function emptyChart(frame: Frame, text: string): void {
  append(frame.root, svg('text', { class: 'empty', x: frame.left + frame.plotWidth / 2, y: frame.top + frame.plotHeight / 2, 'text-anchor': 'middle' }, text));
}

const plural = (count: number, word: string): string => count + ' ' + word + (count === 1 ? '' : 's');

function drawTimeline(list: Bucket[], size: number): void {
  const container = byId('chart-timeline');
  const frame = chartFrame(container, 200);
  const peak = list.reduce((top, bucket) => Math.max(top, bucket.requests), 0);
  let max = Math.max(1, Math.ceil(niceMax(peak)));
  if (max % 2 === 1 && max > 1) max += 1;
  yAxis(frame, max, (value) => (Number.isInteger(value) ? String(value) : ''));
  const step = frame.plotWidth / list.length;
  const gap = step > 6 ? Math.min(4, step * 0.2) : 0;
  const scale = frame.plotHeight / max;
  list.forEach((bucket, index) => {
    const x = frame.left + index * step;
    const group = svg(
      'g',
      null,
      svg(
        'title',
        null,
        fmtClock(bucket.start, size < 60000) +
          ' · ' +
          plural(bucket.requests, 'request') +
          ', ' +
          plural(bucket.errors, 'error') +
          ', ' +
          plural(bucket.fallbacks, 'fallback') +
          (isNum(bucket.meanLatencyMs) ? ', mean ' + fmtDuration(bucket.meanLatencyMs) : ''),
      ),
    );
    append(group, svg('rect', { class: 'hover', x, y: frame.top, width: step, height: frame.plotHeight }));
    const okCount = Math.max(0, bucket.requests - bucket.errors);
    const base = frame.top + frame.plotHeight;
    const rx = step > 8 ? 2 : 0;
    if (okCount > 0) append(group, svg('rect', { class: 'bar-ok', x: x + gap / 2, y: base - okCount * scale, width: Math.max(1, step - gap), height: okCount * scale, rx }));
    if (bucket.errors > 0) append(group, svg('rect', { class: 'bar-err', x: x + gap / 2, y: base - bucket.requests * scale, width: Math.max(1, step - gap), height: bucket.errors * scale, rx }));
    append(frame.root, group);
  });
  xAxis(frame, list, size);
  if (peak === 0) emptyChart(frame, 'No requests in this window');
  frame.root.setAttribute('aria-label', 'Requests per ' + Math.round(size / 1000) + ' s, errors stacked on top');
  fill(container, frame.root);
}

type Point = { cost: number; reference: number; bucket?: Bucket };

function drawCost(list: Bucket[], size: number): void {
  const container = byId('chart-cost');
  const frame = chartFrame(container, 200);
  let cost = 0;
  let reference = 0;
  const points: Point[] = [{ cost: 0, reference: 0 }];
  for (const bucket of list) {
    cost += bucket.costUsd || 0;
    reference += bucket.referenceCostUsd || 0;
    points.push({ cost, reference, bucket });
  }
  const max = niceMax(Math.max(cost, reference));
  yAxis(frame, max, fmtAxisUsd);
  const step = frame.plotWidth / list.length;
  const x = (index: number): number => frame.left + index * step;
  const y = (value: number): number => frame.top + frame.plotHeight * (1 - value / max);
  const line = (key: 'cost' | 'reference'): string => points.map((point, index) => (index === 0 ? 'M' : 'L') + x(index).toFixed(1) + ' ' + y(point[key]).toFixed(1)).join(' ');
  const back = points
    .slice()
    .reverse()
    .map((point, index) => 'L' + x(points.length - 1 - index).toFixed(1) + ' ' + y(point.cost).toFixed(1))
    .join(' ');
  append(frame.root, svg('path', { class: 'area-save', d: line('reference') + ' ' + back + ' Z' }));
  append(frame.root, svg('path', { class: 'line-ref', d: line('reference') }));
  append(frame.root, svg('path', { class: 'line-cost', d: line('cost') }));
  points.forEach((point, index) => {
    if (index === 0 || !point.bucket) return;
    append(
      frame.root,
      svg(
        'rect',
        { class: 'hover', x: x(index - 1), y: frame.top, width: step, height: frame.plotHeight },
        svg('title', null, 'until ' + fmtClock(point.bucket.start + size, size < 60000) + ' · cost ' + fmtUsd(point.cost) + ', reference ' + fmtUsd(point.reference) + ', saved ' + fmtUsd(point.reference - point.cost)),
      ),
    );
  });
  xAxis(frame, list, size);
  if (reference === 0 && cost === 0) emptyChart(frame, 'No priced requests in this window');
  frame.root.setAttribute('aria-label', 'Cumulative cost and reference cost over the window');
  fill(container, frame.root);
}

export function drawCharts(): void {
  if (!state.stats || !state.range || state.view !== 'overview') return;
  const list = buckets(state.range, state.stats.timeline || []);
  drawTimeline(list, state.range.bucketMs);
  drawCost(list, state.range.bucketMs);
}
