import type { QualityReading } from './api-types.js';
import { append, byId, el, fill, svg } from './dom.js';
import { fmtScore } from './format.js';
import { state } from './state.js';

const WIDTH = 240;
const HEIGHT = 44;

/** The estimate after each recent score (0..1 bottom to top), with the alarm line at level − margin when the level is known. */
function sparkline(reading: QualityReading): SVGElement {
  const root = svg('svg', { viewBox: '0 0 ' + WIDTH + ' ' + HEIGHT, width: WIDTH, height: HEIGHT, role: 'img', 'aria-label': 'Quality estimate over the latest scores' });
  const y = (value: number): number => 2 + (HEIGHT - 4) * (1 - value);
  if (reading.level !== null) {
    const line = Math.max(0, reading.level - reading.margin);
    append(root, svg('line', { class: 'quality-line', x1: 0, x2: WIDTH, y1: y(line), y2: y(line) }, svg('title', null, 'alarm line: level ' + fmtScore(reading.level) + ' − margin ' + reading.margin)));
  }
  const points = reading.points;
  const step = points.length > 1 ? WIDTH / (points.length - 1) : 0;
  const d = points.map((point, index) => (index === 0 ? 'M' : 'L') + (index * step).toFixed(1) + ' ' + y(point.estimate).toFixed(1)).join(' ');
  if (points.length > 1) append(root, svg('path', { class: 'quality-estimate', d }));
  return root;
}

function row(reading: QualityReading): HTMLElement {
  const where = reading.router + '/' + (reading.route || 'default') + ' · ' + reading.model;
  const level = reading.level === null ? 'learning a baseline' : 'level ' + fmtScore(reading.level) + ' (' + (reading.level_source || '') + ')';
  return el(
    'div',
    { class: 'quality-row' + (reading.alarm ? ' alarm' : ''), 'data-testid': 'quality-row', 'data-model': reading.model, 'data-alarm': String(reading.alarm) },
    el('div', { class: 'quality-name' }, where),
    el('div', { class: 'quality-figures' }, el('strong', { 'data-testid': 'quality-estimate' }, fmtScore(reading.estimate)), ' over ', el('span', { 'data-testid': 'quality-samples' }, String(reading.samples)), reading.samples === 1 ? ' score · ' : ' scores · ', level),
    reading.alarm ? el('span', { class: 'quality-alarm', 'data-testid': 'quality-alarm' }, 'drift alarm') : null,
    sparkline(reading),
  );
}

/** The Quality panel: shown once the gateway's drift monitor has scores (from the shadow judge or feedback). */
export function renderQuality(): void {
  const panel = byId('quality-panel');
  const readings = state.quality?.data || [];
  panel.hidden = readings.length === 0;
  if (readings.length === 0) return;
  const alarms = readings.filter((reading) => reading.alarm).length;
  fill(byId('quality-note'), alarms === 0 ? 'no drift alarm' : alarms + ' in drift alarm');
  fill(byId('quality-body'), readings.map(row));
}
