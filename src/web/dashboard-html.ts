/**
 * The dashboard served at `GET /`: one self-contained page (inline CSS and vanilla JS, no
 * framework, nothing fetched from elsewhere: gateways often run offline). The shell holds no data;
 * the script reads `/v1/stats` and `/v1/traces` with the API key the operator types in when the
 * gateway asks for one (kept in sessionStorage only).
 *
 * Everything that comes from the API is inserted with textContent, setAttribute or SVG text nodes,
 * never as HTML: trace content (prompt previews, error messages, labels) comes from users.
 *
 * Style and script are exported apart so the handler can allow exactly them by hash in its
 * Content-Security-Policy. Both are written without backticks, `${` or backslashes: they live in
 * template literals.
 */

export const DASHBOARD_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f5f6f8;
  --panel: #ffffff;
  --panel-2: #f0f2f5;
  --text: #17202b;
  --muted: #5d6978;
  --faint: #8c96a3;
  --border: #e1e5ea;
  --grid: #eceff3;
  --accent: #2f6fde;
  --accent-soft: rgba(47, 111, 222, 0.12);
  --ok: #198754;
  --ok-soft: rgba(25, 135, 84, 0.14);
  --err: #d23f3f;
  --err-soft: rgba(210, 63, 63, 0.13);
  --warn: #b7791f;
  --warn-soft: rgba(183, 121, 31, 0.15);
  --ref: #8a94a3;
  --save-soft: rgba(25, 135, 84, 0.16);
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.05), 0 1px 3px rgba(16, 24, 40, 0.05);
  --radius: 10px;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1116;
    --panel: #161a21;
    --panel-2: #1d222b;
    --text: #e5e9ef;
    --muted: #9aa5b4;
    --faint: #6e7886;
    --border: #272d37;
    --grid: #222833;
    --accent: #6d9eff;
    --accent-soft: rgba(109, 158, 255, 0.16);
    --ok: #3fbf7f;
    --ok-soft: rgba(63, 191, 127, 0.16);
    --err: #ff6b6b;
    --err-soft: rgba(255, 107, 107, 0.16);
    --warn: #e0a84a;
    --warn-soft: rgba(224, 168, 74, 0.16);
    --ref: #8e98a7;
    --save-soft: rgba(63, 191, 127, 0.18);
    --shadow: none;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body {
  background: var(--bg);
  color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  -webkit-font-smoothing: antialiased;
}
[hidden] { display: none !important; }
button, input, select { font: inherit; color: inherit; }
.num, td.num, .mono { font-variant-numeric: tabular-nums; }
.mono { font-family: var(--mono); font-size: 12.5px; }
.muted { color: var(--muted); }
.faint { color: var(--faint); }

.top {
  position: sticky; top: 0; z-index: 10;
  display: flex; flex-wrap: wrap; align-items: center; gap: 12px 20px;
  padding: 10px 24px;
  background: color-mix(in srgb, var(--panel) 88%, transparent);
  backdrop-filter: saturate(1.4) blur(8px);
  border-bottom: 1px solid var(--border);
}
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 16px; letter-spacing: -0.01em; }
.brand svg { display: block; }
.brand .sub { font-weight: 450; color: var(--muted); font-size: 13px; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; margin-left: auto; }
.controls label { display: flex; align-items: center; gap: 6px; color: var(--muted); }
select, input[type="search"], input[type="password"], input[type="text"] {
  background: var(--panel); border: 1px solid var(--border); border-radius: 7px;
  padding: 5px 8px; min-height: 30px;
}
select:focus, input:focus, button:focus-visible, tr:focus-visible, .share-row:focus-visible {
  outline: 2px solid var(--accent); outline-offset: 1px;
}
button {
  background: var(--panel); border: 1px solid var(--border); border-radius: 7px;
  padding: 5px 12px; min-height: 30px; cursor: pointer;
}
button:hover { background: var(--panel-2); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover { filter: brightness(1.08); }
button.link { border: none; background: none; color: var(--accent); padding: 4px 2px; }
.live { display: inline-flex; align-items: center; gap: 6px; color: var(--muted); font-size: 13px; }
.live .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--ok); box-shadow: 0 0 0 3px var(--ok-soft); }
.live.paused .dot { background: var(--faint); box-shadow: none; }

main { max-width: 1360px; margin: 0 auto; padding: 20px 24px 48px; }
.banner {
  max-width: 1360px; margin: 12px auto 0; padding: 10px 14px; border-radius: 8px;
  background: var(--err-soft); color: var(--err); border: 1px solid var(--err);
}
.banner-wrap { padding: 0 24px; }

.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(165px, 1fr)); gap: 12px; }
.card {
  background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius);
  padding: 14px 16px; box-shadow: var(--shadow); min-width: 0;
}
.card h3 { margin: 0 0 6px; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
.card .value { font-size: 24px; font-weight: 650; letter-spacing: -0.02em; font-variant-numeric: tabular-nums; white-space: nowrap; }
.card .value .unit { font-size: 14px; font-weight: 500; color: var(--muted); margin-left: 3px; }
.card .sub { margin-top: 4px; color: var(--muted); font-size: 12.5px; font-variant-numeric: tabular-nums; }
.card.good .value { color: var(--ok); }
.card.bad .value { color: var(--err); }
.latency { display: flex; gap: 12px; align-items: baseline; }
.latency > div { display: flex; flex-direction: column; }
.latency .label { font-size: 11.5px; color: var(--muted); font-weight: 600; }
.latency .v { font-size: 18px; font-weight: 650; font-variant-numeric: tabular-nums; }
.latency .v .unit { font-size: 12px; color: var(--muted); font-weight: 500; margin-left: 2px; }

.grid-2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; margin-top: 12px; }
@media (max-width: 900px) { .grid-2 { grid-template-columns: minmax(0, 1fr); } }
.panel {
  background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius);
  padding: 14px 16px 12px; box-shadow: var(--shadow); min-width: 0;
}
.panel-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 6px 12px; margin-bottom: 8px; }
.panel h2 { margin: 0; font-size: 14px; font-weight: 650; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; color: var(--muted); }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.swatch { width: 10px; height: 10px; border-radius: 3px; display: inline-block; }
.swatch.requests { background: var(--accent); }
.swatch.errors { background: var(--err); }
.swatch.cost { background: var(--accent); height: 3px; border-radius: 2px; }
.swatch.reference { height: 0; border-top: 2px dashed var(--ref); border-radius: 0; }
.swatch.savings { background: var(--save-soft); border: 1px solid var(--ok); }
.chart { width: 100%; min-height: 190px; }
.chart svg { display: block; width: 100%; overflow: visible; }
.chart text { fill: var(--faint); font-size: 11px; font-variant-numeric: tabular-nums; }
.chart .gridline { stroke: var(--grid); stroke-width: 1; }
.chart .axis { stroke: var(--border); stroke-width: 1; }
.chart .bar-ok { fill: var(--accent); }
.chart .bar-err { fill: var(--err); }
.chart .hover { fill: transparent; }
.chart .hover:hover { fill: var(--accent-soft); }
.chart .line-cost { fill: none; stroke: var(--accent); stroke-width: 2; stroke-linejoin: round; }
.chart .line-ref { fill: none; stroke: var(--ref); stroke-width: 1.6; stroke-dasharray: 5 4; stroke-linejoin: round; }
.chart .area-save { fill: var(--save-soft); }
.chart .empty { fill: var(--muted); font-size: 13px; }

.shares { display: flex; flex-direction: column; gap: 2px; }
.share-row {
  display: grid; grid-template-columns: minmax(90px, 38%) minmax(40px, 1fr) auto; gap: 10px; align-items: center;
  padding: 5px 6px; border-radius: 6px; cursor: pointer;
}
.share-row:hover { background: var(--panel-2); }
.share-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: 550; }
.share-bar { display: block; width: 100%; height: 12px; }
.share-bar .track { fill: var(--panel-2); }
.share-figures { font-variant-numeric: tabular-nums; white-space: nowrap; text-align: right; color: var(--muted); font-size: 12.5px; }
.share-figures b { color: var(--text); font-weight: 600; margin-right: 6px; }
.empty-note { color: var(--muted); padding: 18px 4px; }

.traces { margin-top: 12px; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 4px 0 10px; }
.filters input[type="search"] { flex: 1 1 220px; min-width: 160px; }
.table-wrap { overflow-x: auto; border: 1px solid var(--border); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--border); white-space: nowrap; vertical-align: top; }
th { font-size: 12px; font-weight: 600; color: var(--muted); background: var(--panel-2); position: sticky; top: 0; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody.clickable tr { cursor: pointer; }
tbody.clickable tr:hover td { background: var(--accent-soft); }
td.prompt { white-space: normal; min-width: 220px; max-width: 460px; color: var(--muted); overflow-wrap: anywhere; }
.list-foot { display: flex; align-items: center; justify-content: space-between; gap: 12px; margin-top: 10px; color: var(--muted); font-size: 12.5px; }
@media (max-width: 720px) {
  main { padding: 14px 12px 40px; }
  .top { padding: 10px 12px; }
  .col-prompt { display: none; }
}

.badge {
  display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  background: var(--panel-2); color: var(--muted); white-space: nowrap;
}
.badge.ok { background: var(--ok-soft); color: var(--ok); }
.badge.error { background: var(--err-soft); color: var(--err); }
.badge.blocked, .badge.refused, .badge.rejected { background: var(--warn-soft); color: var(--warn); }
.badge.aborted, .badge.shutdown, .badge.cancelled { background: var(--panel-2); color: var(--muted); }
.tag { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 600; background: var(--warn-soft); color: var(--warn); }

body.needs-key .controls > :not(#forget-key) { display: none; }
.key-view { display: flex; justify-content: center; padding-top: 10vh; }
.key-form { width: min(420px, 100%); display: flex; flex-direction: column; gap: 10px; }
.key-form h2 { margin: 0; font-size: 18px; }
.key-form p { margin: 0; color: var(--muted); }
.key-form .error { color: var(--err); }
.key-form .row { display: flex; gap: 8px; }
.key-form input { flex: 1; }

.detail-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; margin-bottom: 14px; }
.detail-head h1 { margin: 0; font-size: 18px; font-weight: 650; }
.detail-head .id { font-family: var(--mono); font-size: 12.5px; color: var(--muted); overflow-wrap: anywhere; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-bottom: 16px; }
.summary .card .value { font-size: 18px; overflow: hidden; text-overflow: ellipsis; }
.steps { list-style: none; margin: 0; padding: 0; position: relative; }
.step { position: relative; padding: 0 0 18px 44px; }
.step::before { content: ""; position: absolute; left: 15px; top: 30px; bottom: 0; width: 2px; background: var(--border); }
.step:last-child::before { display: none; }
.step-num {
  position: absolute; left: 0; top: 0; width: 32px; height: 32px; border-radius: 50%;
  display: flex; align-items: center; justify-content: center; font-weight: 650; font-size: 13px;
  background: var(--accent-soft); color: var(--accent); border: 1px solid var(--accent);
}
.step-body { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); padding: 10px 14px; box-shadow: var(--shadow); min-width: 0; }
.step-body h3 { margin: 0 0 6px; font-size: 14px; font-weight: 650; display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; }
.step-body h3 .muted { font-weight: 450; font-size: 13px; }
.kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 3px 14px; margin: 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; overflow-wrap: anywhere; }
.items { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 5px; }
.items li { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; }
.items .what { font-weight: 600; }
.evidence { color: var(--muted); overflow-wrap: anywhere; }
.quote { color: var(--text); background: var(--panel-2); border-radius: 4px; padding: 0 4px; font-family: var(--mono); font-size: 12.5px; }
.mini-bars { display: flex; flex-direction: column; gap: 3px; margin-top: 6px; max-width: 520px; }
.mini-bars .share-row { grid-template-columns: minmax(80px, 30%) minmax(40px, 1fr) 56px; cursor: default; padding: 2px 0; }
.mini-bars .share-row:hover { background: none; }
.sub-title { margin: 10px 0 4px; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
.attempts td { white-space: normal; }
.attempts td.nowrap { white-space: nowrap; }
.attempts td.wide { min-width: 220px; }
.attempts .err { color: var(--err); overflow-wrap: anywhere; }
.checks { display: flex; flex-wrap: wrap; gap: 4px; }
.message { border-left: 3px solid var(--border); padding: 2px 10px; margin: 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.message .role { font-size: 11.5px; font-weight: 650; color: var(--muted); text-transform: uppercase; }
details.raw { margin-top: 18px; }
details.raw summary { cursor: pointer; color: var(--muted); }
details.raw pre { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 12px; overflow: auto; max-height: 480px; font-family: var(--mono); font-size: 12px; }
.loading { color: var(--muted); padding: 30px 0; }
`;

export const DASHBOARD_SCRIPT = `
(function () {
  'use strict';

  var KEY_STORAGE = 'switchyard.apiKey';
  var REFRESH_MS = 5000;
  var PAGE_SIZE = 50;
  var MAX_PAGE = 500;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var STATUSES = ['ok', 'error', 'blocked', 'aborted', 'shutdown'];

  var state = {
    windowMs: 5 * 60 * 1000,
    paused: false,
    needKey: false,
    stats: null,
    range: null,
    traces: [],
    nextCursor: null,
    filters: { router: '', route: '', model: '', status: '', search: '' },
    statsSeq: 0,
    tracesSeq: 0,
    detailSeq: 0,
    clockOffset: 0,
    view: 'overview',
    overviewScroll: 0,
    cameFromOverview: false
  };

  function byId(id) { return document.getElementById(id); }

  // ---- DOM helpers: data only ever becomes text nodes or attribute values. ----

  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name.slice(0, 2) === 'on' && typeof value === 'function') node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    });
  }
  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (item) { append(node, item); }); return; }
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function fill(node) {
    clear(node);
    for (var i = 1; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  // ---- Formatting: the test ids hold plain numbers. ----

  function isNum(value) { return typeof value === 'number' && isFinite(value); }
  function fmtInt(value) { return isNum(value) ? String(Math.round(value)) : '—'; }
  function fmtUsd(value) {
    if (!isNum(value)) return '—';
    return (value < 0 ? '-$' : '$') + Math.abs(value).toFixed(6);
  }
  function fmtPct(ratio) { return isNum(ratio) ? (ratio * 100).toFixed(1) + '%' : '—'; }
  function fmtMs(value) {
    if (!isNum(value)) return '—';
    return value < 10 ? value.toFixed(1) : String(Math.round(value));
  }
  function fmtDuration(value) { return isNum(value) ? fmtMs(value) + ' ms' : '—'; }
  function fmtScore(value, digits) { return isNum(value) ? value.toFixed(digits === undefined ? 3 : digits) : '—'; }
  function pad(value) { return value < 10 ? '0' + value : String(value); }
  function fmtClock(ms, seconds) {
    var date = new Date(ms);
    var text = pad(date.getHours()) + ':' + pad(date.getMinutes());
    return seconds ? text + ':' + pad(date.getSeconds()) : text;
  }
  function fmtTime(ms) {
    var date = new Date(ms);
    var now = new Date();
    var clock = fmtClock(ms, true);
    if (date.toDateString() === now.toDateString()) return clock;
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + ' ' + clock;
  }
  function fmtAxisUsd(value) {
    if (value === 0) return '$0';
    var decimals = Math.min(8, Math.max(2, Math.ceil(-Math.log10(Math.abs(value))) + 1));
    return '$' + value.toFixed(decimals);
  }
  function routeName(trace) { return (trace.router || 'none') + '/' + (trace.route || 'none'); }
  function savingsRatio(savings, reference) { return isNum(savings) && isNum(reference) && reference > 0 ? savings / reference : undefined; }

  /** The same rule as the gateway's is-fallback.ts: served by another model than its step's first candidate. */
  function isFallback(trace) {
    if (!trace.model || !trace.decision) return false;
    var served = null;
    (trace.attempts || []).forEach(function (attempt) {
      if (attempt.role === 'answer' && attempt.model === trace.model && (attempt.outcome === 'ok' || attempt.outcome === 'refused')) served = attempt;
    });
    var step = served ? served.step : undefined;
    var first = (trace.decision.candidates || []).filter(function (candidate) { return candidate.step === step; })[0];
    return Boolean(first) && first.model !== trace.model;
  }

  // ---- API ----

  function storedKey() {
    try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch (error) { return ''; }
  }
  function NeedKeyError(message) { this.message = message; }

  function noteClock(response) {
    // The window is "the last N minutes" of the gateway's clock, which may differ from this browser's.
    var date = Date.parse(response.headers.get('date') || '');
    if (!isFinite(date)) return;
    var offset = date - Date.now();
    state.clockOffset = Math.abs(offset) > 2000 ? offset : 0;
  }
  function serverNow() { return Date.now() + state.clockOffset; }

  async function api(path) {
    var headers = { accept: 'application/json' };
    var key = storedKey();
    if (key) headers.authorization = 'Bearer ' + key;
    var response;
    try {
      response = await fetch(path, { headers: headers, cache: 'no-store', credentials: 'same-origin' });
    } catch (error) {
      throw new Error('Cannot reach the gateway (' + (error && error.message ? error.message : 'network error') + ').');
    }
    noteClock(response);
    var body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    var apiError = body && body.error ? body.error : null;
    if (response.status === 401) throw new NeedKeyError(apiError && apiError.message ? apiError.message : 'This gateway needs an API key.');
    if (!response.ok) {
      var failure = new Error(apiError && apiError.message ? apiError.message : 'HTTP ' + response.status);
      failure.status = response.status;
      failure.code = apiError ? apiError.code : undefined;
      throw failure;
    }
    return body;
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (name) {
      var value = params[name];
      if (value === undefined || value === null || value === '') return;
      parts.push(encodeURIComponent(name) + '=' + encodeURIComponent(String(value)));
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  /** About 60 buckets per window, whole seconds. */
  function bucketFor(windowMs) { return Math.max(1000, Math.round(windowMs / 60 / 1000) * 1000); }

  function tracesPath(limit, cursor) {
    return 'v1/traces' + query({
      since: state.range ? state.range.since : undefined,
      router: state.filters.router,
      route: state.filters.route,
      model: state.filters.model,
      status: state.filters.status,
      limit: limit,
      cursor: cursor
    });
  }

  // ---- Errors and the key form ----

  function showBanner(message) {
    var banner = byId('banner');
    fill(banner, message);
    banner.hidden = false;
  }
  function hideBanner() { byId('banner').hidden = true; }

  function handleError(error) {
    if (error instanceof NeedKeyError) { askForKey(error.message); return; }
    showBanner(error && error.message ? error.message : String(error));
  }

  function askForKey(message) {
    var hadKey = storedKey() !== '';
    state.needKey = true;
    document.body.classList.add('needs-key');
    byId('overview').hidden = true;
    byId('detail-view').hidden = true;
    byId('key-view').hidden = false;
    byId('forget-key').hidden = true;
    hideBanner();
    var note = byId('key-error');
    if (hadKey) { fill(note, 'That key was refused: ' + message); note.hidden = false; } else note.hidden = true;
    try { sessionStorage.removeItem(KEY_STORAGE); } catch (error) { /* storage disabled: the key lives until reload */ }
    var input = byId('key-input');
    input.value = '';
    input.focus();
  }

  function submitKey(event) {
    event.preventDefault();
    var key = byId('key-input').value.trim();
    if (!key) return;
    try { sessionStorage.setItem(KEY_STORAGE, key); } catch (error) {
      showBanner('This browser does not allow sessionStorage; the key cannot be kept.');
      return;
    }
    state.needKey = false;
    document.body.classList.remove('needs-key');
    byId('key-view').hidden = true;
    byId('forget-key').hidden = false;
    route();
  }

  function forgetKey() {
    try { sessionStorage.removeItem(KEY_STORAGE); } catch (error) { /* nothing kept */ }
    location.reload();
  }

  // ---- Overview ----

  async function refresh() {
    if (state.needKey || state.view !== 'overview') return;
    var now = serverNow();
    state.range = { since: now - state.windowMs, until: now, bucketMs: bucketFor(state.windowMs) };
    var range = state.range;
    var statsSeq = ++state.statsSeq;
    var tracesSeq = ++state.tracesSeq;
    var limit = Math.min(MAX_PAGE, Math.max(PAGE_SIZE, state.traces.length));
    try {
      var results = await Promise.all([
        api('v1/stats' + query({ since: range.since, bucket_ms: range.bucketMs })),
        api(tracesPath(limit))
      ]);
      if (statsSeq === state.statsSeq) {
        state.stats = results[0];
        renderStats();
      }
      if (tracesSeq === state.tracesSeq) {
        state.traces = results[1].data || [];
        state.nextCursor = results[1].next_cursor || null;
        renderTraces();
      }
      fill(byId('last-refresh'), fmtClock(Date.now(), true));
      byId('last-refresh').setAttribute('datetime', new Date().toISOString());
      hideBanner();
    } catch (error) {
      handleError(error);
    }
  }

  async function reloadTraces() {
    if (state.needKey) return;
    var seq = ++state.tracesSeq;
    var list = byId('trace-body');
    list.setAttribute('aria-busy', 'true');
    try {
      var page = await api(tracesPath(PAGE_SIZE));
      if (seq !== state.tracesSeq) return;
      state.traces = page.data || [];
      state.nextCursor = page.next_cursor || null;
      renderTraces();
      hideBanner();
    } catch (error) {
      handleError(error);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  async function loadMore() {
    if (!state.nextCursor) return;
    var seq = ++state.tracesSeq;
    var button = byId('load-more');
    button.disabled = true;
    try {
      var page = await api(tracesPath(PAGE_SIZE, state.nextCursor));
      if (seq !== state.tracesSeq) return;
      var seen = {};
      state.traces.forEach(function (trace) { seen[trace.id] = true; });
      (page.data || []).forEach(function (trace) { if (!seen[trace.id]) state.traces.push(trace); });
      state.nextCursor = page.next_cursor || null;
      renderTraces();
    } catch (error) {
      handleError(error);
    } finally {
      button.disabled = false;
    }
  }

  function setStat(id, text) { fill(byId(id), text); }

  function renderStats() {
    var stats = state.stats;
    var statuses = stats.statuses || {};
    setStat('stat-requests', fmtInt(stats.requests));
    setStat('sub-requests', STATUSES.filter(function (name) { return statuses[name]; }).map(function (name) { return statuses[name] + ' ' + (name === 'error' ? 'failed' : name); }).join(' · ') || 'no traffic yet');
    setStat('stat-errors', fmtPct(stats.errorRate));
    byId('card-errors').className = 'card' + (stats.errorRate > 0 ? ' bad' : '');
    setStat('sub-errors', (statuses.error || 0) + ' failed · ' + (statuses.blocked || 0) + ' blocked');
    setStat('stat-fallbacks', fmtPct(stats.fallbackRate));
    setStat('stat-retries', fmtPct(stats.retryRate));
    var latency = stats.latencyMs || {};
    setStat('stat-p50', fmtMs(latency.p50));
    setStat('stat-p90', fmtMs(latency.p90));
    setStat('stat-p99', fmtMs(latency.p99));
    setStat('stat-ttft', stats.firstTokenMs ? fmtDuration(stats.firstTokenMs.p50) : '—');
    setStat('stat-cost', fmtUsd(stats.costUsd));
    setStat('sub-cost', stats.unknownCost ? stats.unknownCost + ' without a known cost (failed or unpriced)' : 'every request priced');
    setStat('stat-reference', fmtUsd(stats.referenceCostUsd));
    setStat('stat-savings', fmtUsd(stats.savingsUsd));
    setStat('stat-savings-pct', fmtPct(savingsRatio(stats.savingsUsd, stats.referenceCostUsd)));
    byId('card-savings').className = 'card' + (stats.savingsUsd > 0 ? ' good' : stats.savingsUsd < 0 ? ' bad' : '');
    renderShares(byId('routes'), stats.routes || [], 'route-row', false);
    renderShares(byId('models'), stats.models || [], 'model-row', true);
    fill(byId('routes-total'), (stats.routes || []).length + ' routes');
    fill(byId('models-total'), (stats.models || []).length + ' models');
    renderFilterOptions();
    drawCharts();
  }

  var PALETTE = ['#2f6fde', '#16a394', '#d9822b', '#8f5bd6', '#d6478f', '#5a9e2f', '#c9a227', '#3b9bd9', '#b5523b', '#6b7a8f'];

  function renderShares(container, rows, testId, withCost) {
    clear(container);
    if (rows.length === 0) { append(container, el('div', { class: 'empty-note' }, 'No requests in this window.')); return; }
    var max = rows.reduce(function (top, row) { return Math.max(top, row.requests); }, 0) || 1;
    rows.forEach(function (row, index) {
      var width = Math.max(0.5, (row.requests / max) * 100);
      var bar = svg('svg', { class: 'share-bar', 'aria-hidden': 'true', preserveAspectRatio: 'none' },
        svg('rect', { class: 'track', x: 0, y: 0, width: '100%', height: '100%', rx: 3 }),
        svg('rect', { x: 0, y: 0, width: width + '%', height: '100%', rx: 3, fill: PALETTE[index % PALETTE.length] }));
      var figures = el('span', { class: 'share-figures' }, el('b', null, String(row.requests)), fmtPct(row.share),
        withCost ? ' · ' + fmtUsd(row.costUsd) : null);
      var item = el('div', {
        class: 'share-row', role: 'button', tabindex: 0,
        'data-testid': testId, 'data-name': row.name, 'data-requests': row.requests, 'data-share': row.share,
        title: withCost ? 'Show traces served by ' + row.name : 'Show traces of ' + row.name
      }, el('span', { class: 'share-name', title: row.name === 'none' ? 'No model served: failed or blocked requests' : row.name === 'none/none' ? 'A concrete model was requested: no router' : row.name }, row.name), bar, figures);
      var pick = function () { filterFromShare(row.name, withCost); };
      item.addEventListener('click', pick);
      item.addEventListener('keydown', function (event) { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); pick(); } });
      append(container, item);
    });
  }

  function filterFromShare(name, isModel) {
    if (name === 'none' || name === 'none/none') return;
    if (isModel) {
      state.filters.model = name;
    } else {
      var slash = name.indexOf('/');
      state.filters.router = name.slice(0, slash) === 'none' ? '' : name.slice(0, slash);
      state.filters.route = name.slice(slash + 1) === 'none' ? '' : name.slice(slash + 1);
    }
    renderFilterOptions();
    reloadTraces();
    byId('traces').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  // ---- Charts (SVG) ----

  function niceMax(value) {
    if (!(value > 0)) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value) return steps[i] * power;
    return 10 * power;
  }

  function buckets() {
    var range = state.range;
    var size = range.bucketMs;
    var first = Math.floor(range.since / size) * size;
    var last = Math.floor(range.until / size) * size;
    var byStart = {};
    (state.stats.timeline || []).forEach(function (bucket) { byStart[bucket.start] = bucket; });
    var list = [];
    for (var start = first; start <= last; start += size) {
      list.push(byStart[start] || { start: start, requests: 0, errors: 0, fallbacks: 0, costUsd: 0, referenceCostUsd: 0, meanLatencyMs: null });
    }
    return list;
  }

  function chartFrame(container, height) {
    var width = Math.max(280, Math.floor(container.clientWidth || 600));
    var frame = { width: width, height: height, left: 52, right: 10, top: 10, bottom: 24 };
    frame.plotWidth = width - frame.left - frame.right;
    frame.plotHeight = height - frame.top - frame.bottom;
    frame.root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, role: 'img' });
    return frame;
  }

  function yAxis(frame, max, label) {
    [0, 0.5, 1].forEach(function (fraction) {
      var y = frame.top + frame.plotHeight * (1 - fraction);
      append(frame.root, svg('line', { class: fraction === 0 ? 'axis' : 'gridline', x1: frame.left, x2: frame.width - frame.right, y1: y, y2: y }));
      append(frame.root, svg('text', { x: frame.left - 6, y: y + 4, 'text-anchor': 'end' }, label(max * fraction)));
    });
  }

  function xAxis(frame, list, size) {
    var count = list.length;
    var ticks = Math.max(2, Math.min(6, Math.floor(frame.plotWidth / 90)));
    var withSeconds = size < 60000;
    for (var i = 0; i < ticks; i++) {
      var index = Math.round((i * (count - 1)) / (ticks - 1));
      var x = frame.left + (index + 0.5) * (frame.plotWidth / count);
      var anchor = i === 0 ? 'start' : i === ticks - 1 ? 'end' : 'middle';
      append(frame.root, svg('text', { x: anchor === 'start' ? frame.left : anchor === 'end' ? frame.width - frame.right : x, y: frame.height - 6, 'text-anchor': anchor }, fmtClock(list[index].start, withSeconds)));
    }
  }

  function emptyChart(frame, text) {
    append(frame.root, svg('text', { class: 'empty', x: frame.left + frame.plotWidth / 2, y: frame.top + frame.plotHeight / 2, 'text-anchor': 'middle' }, text));
  }

  function drawTimeline(list) {
    var container = byId('chart-timeline');
    var frame = chartFrame(container, 200);
    var size = state.range.bucketMs;
    var peak = list.reduce(function (top, bucket) { return Math.max(top, bucket.requests); }, 0);
    var max = Math.max(1, Math.ceil(niceMax(peak)));
    if (max % 2 === 1 && max > 1) max += 1;
    yAxis(frame, max, function (value) { return Number.isInteger(value) ? String(value) : ''; });
    var step = frame.plotWidth / list.length;
    var gap = step > 6 ? Math.min(4, step * 0.2) : 0;
    var scale = frame.plotHeight / max;
    list.forEach(function (bucket, index) {
      var x = frame.left + index * step;
      var group = svg('g', null, svg('title', null,
        fmtClock(bucket.start, size < 60000) + ' · ' + bucket.requests + ' request' + (bucket.requests === 1 ? '' : 's') +
        ', ' + bucket.errors + ' error' + (bucket.errors === 1 ? '' : 's') + ', ' + bucket.fallbacks + ' fallback' + (bucket.fallbacks === 1 ? '' : 's') +
        (isNum(bucket.meanLatencyMs) ? ', mean ' + fmtDuration(bucket.meanLatencyMs) : '')));
      append(group, svg('rect', { class: 'hover', x: x, y: frame.top, width: step, height: frame.plotHeight }));
      var okCount = Math.max(0, bucket.requests - bucket.errors);
      var base = frame.top + frame.plotHeight;
      if (okCount > 0) append(group, svg('rect', { class: 'bar-ok', x: x + gap / 2, y: base - okCount * scale, width: Math.max(1, step - gap), height: okCount * scale, rx: step > 8 ? 2 : 0 }));
      if (bucket.errors > 0) append(group, svg('rect', { class: 'bar-err', x: x + gap / 2, y: base - bucket.requests * scale, width: Math.max(1, step - gap), height: bucket.errors * scale, rx: step > 8 ? 2 : 0 }));
      append(frame.root, group);
    });
    xAxis(frame, list, size);
    if (peak === 0) emptyChart(frame, 'No requests in this window');
    frame.root.setAttribute('aria-label', 'Requests per ' + Math.round(size / 1000) + ' s, errors stacked on top');
    fill(container, frame.root);
  }

  function drawCost(list) {
    var container = byId('chart-cost');
    var frame = chartFrame(container, 200);
    var cost = 0;
    var reference = 0;
    var points = [{ cost: 0, reference: 0 }];
    list.forEach(function (bucket) {
      cost += bucket.costUsd || 0;
      reference += bucket.referenceCostUsd || 0;
      points.push({ cost: cost, reference: reference, bucket: bucket });
    });
    var max = niceMax(Math.max(cost, reference));
    yAxis(frame, max, fmtAxisUsd);
    var step = frame.plotWidth / list.length;
    var x = function (index) { return frame.left + index * step; };
    var y = function (value) { return frame.top + frame.plotHeight * (1 - value / max); };
    var line = function (key) { return points.map(function (point, index) { return (index === 0 ? 'M' : 'L') + x(index).toFixed(1) + ' ' + y(point[key]).toFixed(1); }).join(' '); };
    var back = points.slice().reverse().map(function (point, index) { return 'L' + x(points.length - 1 - index).toFixed(1) + ' ' + y(point.cost).toFixed(1); }).join(' ');
    append(frame.root, svg('path', { class: 'area-save', d: line('reference') + ' ' + back + ' Z' }));
    append(frame.root, svg('path', { class: 'line-ref', d: line('reference') }));
    append(frame.root, svg('path', { class: 'line-cost', d: line('cost') }));
    var size = state.range.bucketMs;
    points.forEach(function (point, index) {
      if (index === 0) return;
      append(frame.root, svg('rect', { class: 'hover', x: x(index - 1), y: frame.top, width: step, height: frame.plotHeight },
        svg('title', null, 'until ' + fmtClock(point.bucket.start + size, size < 60000) + ' · cost ' + fmtUsd(point.cost) + ', reference ' + fmtUsd(point.reference) + ', saved ' + fmtUsd(point.reference - point.cost))));
    });
    xAxis(frame, list, size);
    if (reference === 0 && cost === 0) emptyChart(frame, 'No priced requests in this window');
    frame.root.setAttribute('aria-label', 'Cumulative cost and reference cost over the window');
    fill(container, frame.root);
  }

  function drawCharts() {
    if (!state.stats || !state.range || state.view !== 'overview') return;
    var list = buckets();
    drawTimeline(list);
    drawCost(list);
  }

  // ---- Trace list ----

  function option(value, label, selected) {
    var node = el('option', { value: value }, label);
    if (selected) node.selected = true;
    return node;
  }

  function fillSelect(select, allLabel, values, current) {
    var list = values.slice();
    if (current && list.indexOf(current) === -1) list.push(current);
    // Refilling an unchanged select every refresh would close it under the user's pointer.
    var signature = JSON.stringify([list, current]);
    if (select.getAttribute('data-options') === signature) return;
    select.setAttribute('data-options', signature);
    fill(select, option('', allLabel, !current), list.map(function (value) { return option(value, value, value === current); }));
  }

  function renderFilterOptions() {
    var stats = state.stats || { routes: [], models: [] };
    var routers = [];
    var routes = [];
    (stats.routes || []).forEach(function (row) {
      var slash = row.name.indexOf('/');
      var router = row.name.slice(0, slash);
      var routeOnly = row.name.slice(slash + 1);
      if (router === 'none') return;
      if (routers.indexOf(router) === -1) routers.push(router);
      if ((!state.filters.router || state.filters.router === router) && routes.indexOf(routeOnly) === -1) routes.push(routeOnly);
    });
    var models = (stats.models || []).map(function (row) { return row.name; }).filter(function (name) { return name !== 'none'; });
    fillSelect(byId('filter-router'), 'All routers', routers.sort(), state.filters.router);
    fillSelect(byId('filter-route'), 'All routes', routes.sort(), state.filters.route);
    fillSelect(byId('filter-model'), 'All models', models.sort(), state.filters.model);
    fillSelect(byId('filter-status'), 'Any status', STATUSES, state.filters.status);
  }

  function matchesSearch(trace, needle) {
    if (!needle) return true;
    var preview = trace.prompt && trace.prompt.preview ? trace.prompt.preview : '';
    return preview.toLowerCase().indexOf(needle) !== -1 || trace.id.toLowerCase().indexOf(needle) !== -1;
  }

  function renderTraces() {
    var body = clear(byId('trace-body'));
    var needle = state.filters.search.trim().toLowerCase();
    var shown = state.traces.filter(function (trace) { return matchesSearch(trace, needle); });
    shown.forEach(function (trace) {
      var open = function () { openTrace(trace.id); };
      var row = el('tr', {
        'data-testid': 'trace-row', 'data-id': trace.id, 'data-route': routeName(trace), 'data-model': trace.model || 'none', 'data-status': trace.status,
        tabindex: 0, title: 'Open trace ' + trace.id
      },
      el('td', { class: 'num' }, el('time', { datetime: new Date(trace.startedAt).toISOString() }, fmtTime(trace.startedAt))),
      el('td', null, routeName(trace)),
      el('td', null, trace.model || el('span', { class: 'faint' }, 'none'), isFallback(trace) ? el('span', { class: 'tag', title: 'Served by a fallback, not the plan’s first model' }, 'fallback') : null),
      el('td', null, el('span', { class: 'badge ' + trace.status }, trace.status)),
      el('td', { class: 'num' }, fmtDuration(trace.latencyMs)),
      el('td', { class: 'num' }, fmtUsd(trace.costUsd)),
      el('td', { class: 'prompt col-prompt' }, trace.prompt && trace.prompt.preview ? trace.prompt.preview : ''));
      row.addEventListener('click', open);
      row.addEventListener('keydown', function (event) { if (event.key === 'Enter') open(); });
      append(body, row);
    });
    byId('trace-empty').hidden = shown.length > 0;
    fill(byId('trace-empty'), state.traces.length === 0 ? 'No traces match these filters in this window.' : 'No loaded trace matches the search.');
    fill(byId('trace-count'), needle
      ? shown.length + ' of ' + state.traces.length + ' loaded traces match the search'
      : state.traces.length + ' trace' + (state.traces.length === 1 ? '' : 's') + ' loaded' + (state.nextCursor ? ', more available' : ''));
    byId('load-more').hidden = !state.nextCursor;
  }

  // ---- Trace detail ----

  function openTrace(id) {
    state.cameFromOverview = true;
    location.hash = 'trace=' + encodeURIComponent(id);
  }

  function closeTrace() {
    if (state.cameFromOverview) { history.back(); return; }
    history.replaceState(null, '', location.pathname + location.search);
    route();
  }

  function hashTraceId() {
    var match = /^#trace=(.+)$/.exec(location.hash);
    if (!match) return null;
    try { return decodeURIComponent(match[1]); } catch (error) { return match[1]; }
  }

  function route() {
    if (state.needKey) return;
    var id = hashTraceId();
    if (id) {
      if (state.view === 'overview') state.overviewScroll = window.scrollY;
      state.view = 'detail';
      byId('overview').hidden = true;
      byId('detail-view').hidden = false;
      showTrace(id);
    } else {
      state.view = 'overview';
      state.cameFromOverview = false;
      byId('detail-view').hidden = true;
      byId('overview').hidden = false;
      document.title = 'Switchyard';
      window.scrollTo(0, state.overviewScroll);
      refresh();
    }
  }

  async function showTrace(id) {
    var seq = ++state.detailSeq;
    var view = byId('detail-view');
    view.removeAttribute('data-id');
    fill(view, backButton(), el('div', { class: 'loading' }, 'Loading trace ' + id + '…'));
    try {
      var trace = await api('v1/traces/' + encodeURIComponent(id));
      if (seq !== state.detailSeq) return;
      renderDetail(view, trace);
      hideBanner();
    } catch (error) {
      if (seq !== state.detailSeq) return;
      if (error instanceof NeedKeyError) { handleError(error); return; }
      fill(view, backButton(), el('div', { class: 'empty-note' },
        error.code === 'trace_not_found' ? 'No trace "' + id + '" is kept. Traces older than the retention are deleted.' : 'Could not load the trace: ' + error.message));
    }
  }

  function backButton() {
    return el('button', { class: 'link', type: 'button', 'data-testid': 'detail-back', onclick: closeTrace }, '← All traces');
  }

  function kv(pairs) {
    var list = el('dl', { class: 'kv' });
    pairs.forEach(function (pair) {
      if (pair[1] === undefined || pair[1] === null || pair[1] === '') return;
      append(list, [el('dt', null, pair[0]), el('dd', null, pair[1])]);
    });
    return list;
  }

  function stepItem(number, title, note) {
    var body = el('div', { class: 'step-body' }, el('h3', null, title, note ? el('span', { class: 'muted' }, note) : null));
    for (var i = 3; i < arguments.length; i++) append(body, arguments[i]);
    return el('li', { class: 'step' }, el('span', { class: 'step-num', 'aria-hidden': 'true' }, String(number)), body);
  }

  function quote(text) { return el('span', { class: 'quote' }, text); }

  function scoreBars(scores, highlight, digits) {
    var names = Object.keys(scores || {});
    if (names.length === 0) return null;
    names.sort(function (a, b) { return scores[b] - scores[a]; });
    return el('div', { class: 'mini-bars' }, names.map(function (name, index) {
      var value = Math.max(0, Math.min(1, scores[name]));
      return el('div', { class: 'share-row' },
        el('span', { class: 'share-name' }, name, name === highlight ? ' ✓' : ''),
        svg('svg', { class: 'share-bar', 'aria-hidden': 'true', preserveAspectRatio: 'none' },
          svg('rect', { class: 'track', x: 0, y: 0, width: '100%', height: '100%', rx: 3 }),
          svg('rect', { x: 0, y: 0, width: Math.max(0.5, value * 100) + '%', height: '100%', rx: 3, fill: name === highlight ? 'var(--ok)' : PALETTE[index % PALETTE.length] })),
        el('span', { class: 'share-figures' }, fmtScore(scores[name], digits === undefined ? 4 : digits)));
    }));
  }

  function signalEvidence(signal) {
    switch (signal.signal) {
      case 'keywords': return ['keyword ', quote(signal.match)];
      case 'regex': return ['pattern matched ', quote(signal.match)];
      case 'metadata': return ['metadata ', quote(signal.key + ' = ' + signal.value)];
      case 'complexity': return ['complexity score ' + fmtScore(signal.score)];
      case 'header': return ['the client asked for it with the x-switchyard-route header'];
      case 'llm': return ['the LLM classifier answered ', quote(signal.label)];
      case 'examples': return ['similarity ' + fmtScore(signal.similarity, 4) + ' to the example ', quote(signal.example)];
      default: return [JSON.stringify(signal)];
    }
  }

  function usageText(usage) {
    if (!usage) return '—';
    var parts = [fmtInt(usage.inputTokens) + ' in', fmtInt(usage.outputTokens) + ' out'];
    if (isNum(usage.cachedInputTokens) && usage.cachedInputTokens > 0) parts.push(usage.cachedInputTokens + ' cached');
    if (isNum(usage.reasoningTokens) && usage.reasoningTokens > 0) parts.push(usage.reasoningTokens + ' reasoning');
    return parts.join(' · ') + (usage.estimated ? ' (estimated)' : '');
  }

  function errorText(error) {
    if (!error) return null;
    return error.kind + (error.status ? ' ' + error.status : '') + ': ' + error.message + (error.retryable ? ' (retryable)' : '');
  }

  function messageText(content) {
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) return content.map(function (part) { return part && typeof part.text === 'string' ? part.text : '[' + (part && part.type ? part.type : 'part') + ']'; }).join(String.fromCharCode(10));
    return content === null || content === undefined ? '' : JSON.stringify(content);
  }

  function renderDetail(view, trace) {
    var decision = trace.decision || {};
    var ratio = savingsRatio(trace.savingsUsd, trace.referenceCostUsd);
    document.title = 'Trace ' + trace.id + ' · Switchyard';
    view.setAttribute('data-id', trace.id);
    var steps = el('ol', { class: 'steps' });
    var number = 0;
    var next = function () { number += 1; return number; };

    // 1. What the client asked for.
    var prompt = trace.prompt || {};
    append(steps, stepItem(next(), 'Requested', null,
      kv([
        ['model', trace.requested],
        ['stream', trace.stream ? 'yes' : 'no'],
        ['prompt', prompt.preview ? quote(prompt.preview) : el('span', { class: 'faint' }, 'empty')],
        ['sha256', prompt.sha256 ? el('span', { class: 'mono' }, prompt.sha256) : null]
      ]),
      prompt.messages && prompt.messages.length ? el('div', null, el('div', { class: 'sub-title' }, 'Messages (stored)'), prompt.messages.map(function (message) {
        return el('div', { class: 'message' }, el('div', { class: 'role' }, message.role), messageText(message.content));
      })) : null));

    // 2. What fired.
    var signals = decision.signals || [];
    var signalBody = [];
    if (signals.length) {
      signalBody.push(el('ul', { class: 'items' }, signals.map(function (signal) {
        return el('li', null, el('span', { class: 'badge' }, signal.signal), el('span', { class: 'what' }, '→ ' + signal.route), el('span', { class: 'evidence' }, signalEvidence(signal)));
      })));
    } else if (decision.router) {
      signalBody.push(el('div', { class: 'muted' }, 'No rule matched: the router used its default route.'));
    } else {
      signalBody.push(el('div', { class: 'muted' }, 'A concrete model was requested: no routing.'));
    }
    if (decision.classification) {
      var classification = decision.classification;
      signalBody.push(el('div', { class: 'sub-title' }, 'LLM classifier'), kv([
        ['model', classification.model], ['outcome', el('span', { class: 'badge ' + (classification.outcome === 'ok' || classification.outcome === 'cached' ? 'ok' : 'error') }, classification.outcome)],
        ['label', classification.label === null ? 'none' : classification.label], ['detail', classification.detail]
      ]));
    }
    if (decision.similarity) {
      var similarity = decision.similarity;
      signalBody.push(el('div', { class: 'sub-title' }, 'Similarity to the example prompts'), kv([
        ['encoder', similarity.encoder], ['outcome', similarity.outcome], ['detail', similarity.detail]
      ]), scoreBars(similarity.scores, decision.route, 4));
    }
    if (decision.prediction) {
      var prediction = decision.prediction;
      signalBody.push(el('div', { class: 'sub-title' }, 'Predicted quality (' + prediction.policy + ')'),
        prediction.policy === 'cheapest_above'
          ? kv([['min quality', fmtScore(prediction.minQuality)], ['chosen', prediction.chosen], ['cleared', prediction.cleared ? 'yes' : 'no: no model cleared it, the best predicted one was chosen']])
          : kv([['threshold', fmtScore(prediction.threshold)], ['gain (strong − weak)', fmtScore(prediction.gain, 4)], ['chosen', prediction.chosen]]),
        scoreBars(prediction.predicted, prediction.chosen, 4));
    }
    append(steps, stepItem(next(), 'Signals', signals.length ? signals.length + ' fired' : null, signalBody));

    // 3. Where it went.
    append(steps, stepItem(next(), 'Route', null, kv([
      ['router', decision.router || 'none'],
      ['route', el('span', { 'data-testid': 'detail-route' }, routeName(trace))],
      ['system prompt', decision.system ? 'the route’s system prompt, ' + decision.system.merge : null],
      ['block', decision.block ? quote(decision.block.message) : null]
    ])));

    // 4. How the route's models are used.
    var balance = decision.balance;
    append(steps, stepItem(next(), 'Policy', null, kv([
      ['policy', el('span', { class: 'badge' }, decision.policy || '—')],
      ['reference', decision.reference ? decision.reference + ' (the baseline for savings)' : null],
      ['balance', balance ? balance.strategy + ', chose ' + balance.chosen : null],
      ['observed', balance && balance.observed ? Object.keys(balance.observed).map(function (name) { return name + ' ' + fmtScore(balance.observed[name], 1); }).join(' · ') : null]
    ])));

    // 5. The plan.
    var candidates = decision.candidates || [];
    var passedOver = (decision.filtered || []).map(function (item) { return { item: item, when: 'before' }; })
      .concat((trace.skipped || []).map(function (item) { return { item: item, when: 'while executing' }; }));
    append(steps, stepItem(next(), 'Candidates', candidates.length + ' to try' + (passedOver.length ? ', ' + passedOver.length + ' passed over' : ''),
      candidates.length ? el('ol', { class: 'items' }, candidates.map(function (candidate, index) {
        return el('li', null, el('span', { class: 'faint num' }, (index + 1) + '.'), el('span', { class: 'what' }, candidate.model),
          el('span', { class: 'muted' }, candidate.provider), el('span', { class: 'badge' }, candidate.source),
          candidate.step !== undefined ? el('span', { class: 'muted' }, 'step ' + candidate.step) : null,
          candidate.note ? el('span', { class: 'evidence' }, candidate.note) : null);
      })) : el('div', { class: 'muted' }, decision.block ? 'Blocked: no model is called.' : 'No candidate left.'),
      passedOver.length ? [el('div', { class: 'sub-title' }, 'Passed over'), el('ul', { class: 'items' }, passedOver.map(function (entry) {
        return el('li', null, el('span', { class: 'what' }, entry.item.model), el('span', { class: 'badge blocked' }, entry.item.reason.replace(/_/g, ' ')),
          el('span', { class: 'evidence' }, entry.item.detail), el('span', { class: 'faint' }, entry.when));
      }))] : null));

    // 6. Every call, in order.
    var attempts = trace.attempts || [];
    var attemptRows = el('tbody');
    attempts.forEach(function (attempt, index) {
      append(attemptRows, el('tr', { 'data-testid': 'attempt-row', 'data-model': attempt.model, 'data-outcome': attempt.outcome },
        el('td', { class: 'num nowrap' }, String(index + 1)),
        el('td', { class: 'nowrap' }, attempt.role, attempt.step !== undefined ? el('div', { class: 'faint' }, 'step ' + attempt.step) : null),
        el('td', { class: 'nowrap' }, el('span', { class: 'what' }, attempt.model), el('div', { class: 'faint' }, attempt.provider)),
        el('td', { class: 'num nowrap' }, attempt.retry ? 'retry ' + attempt.retry : '—'),
        el('td', { class: 'nowrap' }, el('span', { class: 'badge ' + attempt.outcome }, attempt.outcome), attempt.picked ? el('span', { class: 'tag' }, 'picked') : null),
        el('td', { class: 'num nowrap' }, isNum(attempt.startedAt) && isNum(trace.startedAt) ? '+' + fmtMs(Math.max(0, attempt.startedAt - trace.startedAt)) + ' ms' : '—'),
        el('td', { class: 'num nowrap' }, fmtDuration(attempt.firstTokenMs)),
        el('td', { class: 'num nowrap' }, fmtDuration(attempt.durationMs)),
        el('td', { class: 'nowrap' }, usageText(attempt.usage)),
        el('td', { class: 'num nowrap' }, fmtUsd(attempt.costUsd)),
        el('td', { class: attempt.checks && attempt.checks.length ? 'wide' : null }, attempt.checks && attempt.checks.length ? el('div', { class: 'checks' }, attempt.checks.map(function (check) {
          return el('span', { class: 'badge ' + (check.passed ? 'ok' : 'error'), title: check.detail || '' }, (check.passed ? '✓ ' : '✗ ') + check.check + (isNum(check.score) ? ' ' + fmtScore(check.score) : ''));
        }), attempt.checks.filter(function (check) { return check.detail; }).map(function (check) { return el('div', { class: 'faint' }, check.check + ': ' + check.detail); })) : '—'),
        el('td', { class: attempt.error ? 'wide' : null }, attempt.error ? el('span', { class: 'err' }, errorText(attempt.error)) : '—')));
    });
    append(steps, stepItem(next(), 'Attempts', attempts.length + ' call' + (attempts.length === 1 ? '' : 's'),
      attempts.length ? el('div', { class: 'table-wrap attempts' }, el('table', null,
        el('thead', null, el('tr', null, ['#', 'role', 'model', 'retry', 'outcome', 'start', 'first token', 'duration', 'usage', 'cost', 'checks', 'error'].map(function (title) {
          return el('th', { class: ['#', 'start', 'first token', 'duration', 'cost'].indexOf(title) === -1 ? null : 'num' }, title);
        }))), attemptRows)) : el('div', { class: 'muted' }, 'No model was called.')));

    // 7. What the policy noted along the way.
    if (trace.notes && trace.notes.length) {
      append(steps, stepItem(next(), 'Notes', null, el('ul', { class: 'items' }, trace.notes.map(function (note) { return el('li', null, note); }))));
    }

    // 8. The outcome.
    append(steps, stepItem(next(), 'Result', null, kv([
      ['status', el('span', { class: 'badge ' + trace.status }, trace.status)],
      ['model', el('span', { 'data-testid': 'detail-model' }, trace.model || 'none')],
      ['latency', fmtDuration(trace.latencyMs)],
      ['first token', isNum(trace.firstTokenMs) ? fmtDuration(trace.firstTokenMs) : null],
      ['usage', usageText(trace.usage)],
      ['cost', el('span', { 'data-testid': 'detail-cost' }, fmtUsd(trace.costUsd))],
      ['reference cost', el('span', { 'data-testid': 'detail-reference' }, fmtUsd(trace.referenceCostUsd))],
      ['savings', el('span', null, el('span', { 'data-testid': 'detail-savings' }, fmtUsd(trace.savingsUsd)), isNum(ratio) ? ' (' + fmtPct(ratio) + ')' : '')],
      ['error', trace.error ? el('span', { class: 'err' }, errorText(trace.error)) : null]
    ])));

    // 9. What people said about the answer.
    var feedback = trace.feedback || [];
    append(steps, stepItem(next(), 'Feedback', feedback.length ? String(feedback.length) : null, feedback.length
      ? el('ul', { class: 'items', 'data-testid': 'detail-feedback' }, feedback.map(function (item) {
        return el('li', null, el('span', { class: 'faint' }, fmtTime(item.created_at !== undefined ? item.created_at : item.createdAt)),
          isNum(item.score) ? el('span', { class: 'badge' }, 'score ' + fmtScore(item.score, 2)) : null,
          item.label ? quote(item.label) : null,
          (item.better_model || item.betterModel) ? el('span', { class: 'evidence' }, 'better model: ' + (item.better_model || item.betterModel)) : null);
      }))
      : el('div', { class: 'muted' }, 'None yet. POST /v1/feedback with this trace_id to score the answer.')));

    var summary = el('div', { class: 'summary' },
      summaryCard('Route', routeName(trace)),
      summaryCard('Model', trace.model || 'none'),
      summaryCard('Latency', fmtDuration(trace.latencyMs)),
      summaryCard('Cost', fmtUsd(trace.costUsd)),
      summaryCard('Reference', fmtUsd(trace.referenceCostUsd)),
      summaryCard('Saved', fmtUsd(trace.savingsUsd), isNum(trace.savingsUsd) && trace.savingsUsd > 0 ? 'good' : '', isNum(ratio) ? fmtPct(ratio) + ' of the reference' : null));

    fill(view,
      el('div', { class: 'detail-head' }, backButton(), el('h1', null, 'Trace'), el('span', { class: 'badge ' + trace.status }, trace.status),
        el('span', { class: 'id' }, trace.id), el('span', { class: 'muted' }, fmtTime(trace.startedAt))),
      summary, steps,
      el('details', { class: 'raw' }, el('summary', null, 'Raw trace JSON'), el('pre', null, JSON.stringify(trace, null, 2))));
    window.scrollTo(0, 0);
  }

  function summaryCard(title, value, tone, sub) {
    return el('div', { class: 'card' + (tone ? ' ' + tone : '') }, el('h3', null, title), el('div', { class: 'value', title: value }, value), sub ? el('div', { class: 'sub' }, sub) : null);
  }

  // ---- Wiring ----

  function setPaused(paused) {
    state.paused = paused;
    var button = byId('refresh-toggle');
    fill(button, paused ? 'Resume' : 'Pause');
    button.setAttribute('aria-pressed', paused ? 'true' : 'false');
    byId('live').className = 'live' + (paused ? ' paused' : '');
    fill(byId('live-label'), paused ? 'Paused' : 'Live · every 5 s');
    if (!paused) refresh();
  }

  function init() {
    byId('window').addEventListener('change', function (event) {
      state.windowMs = Number(event.target.value);
      state.traces = [];
      refresh();
    });
    byId('refresh-toggle').addEventListener('click', function () { setPaused(!state.paused); });
    byId('refresh-now').addEventListener('click', function () { refresh(); });
    byId('forget-key').addEventListener('click', forgetKey);
    byId('key-form').addEventListener('submit', submitKey);
    ['router', 'route', 'model', 'status'].forEach(function (name) {
      byId('filter-' + name).addEventListener('change', function (event) {
        state.filters[name] = event.target.value;
        if (name === 'router') { state.filters.route = ''; }
        renderFilterOptions();
        reloadTraces();
      });
    });
    byId('filter-search').addEventListener('input', function (event) {
      state.filters.search = event.target.value;
      renderTraces();
    });
    byId('filter-clear').addEventListener('click', function () {
      state.filters = { router: '', route: '', model: '', status: '', search: '' };
      byId('filter-search').value = '';
      renderFilterOptions();
      reloadTraces();
    });
    byId('load-more').addEventListener('click', loadMore);
    window.addEventListener('hashchange', route);
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && state.view === 'detail') closeTrace();
    });
    var redraw = null;
    window.addEventListener('resize', function () {
      clearTimeout(redraw);
      redraw = setTimeout(drawCharts, 120);
    });
    setInterval(function () {
      if (!state.paused && !document.hidden) refresh();
    }, REFRESH_MS);
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden && !state.paused) refresh();
    });
    if (storedKey()) byId('forget-key').hidden = false;
    renderFilterOptions();
    route();
  }

  init();
})();
`;

const LOGO = `<svg width="26" height="26" viewBox="0 0 26 26" aria-hidden="true"><rect width="26" height="26" rx="7" fill="#2f6fde"/><path d="M6 18h4l6-10h4M6 8h4l2 3.3M16 18h4M14 14.7l2 3.3" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>Switchyard</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<header class="top">
  <div class="brand">${LOGO}<span>Switchyard</span><span class="sub">routing dashboard</span></div>
  <div class="controls">
    <label>Window
      <select id="window" data-testid="window" aria-label="Time window">
        <option value="300000" selected>Last 5 min</option>
        <option value="900000">Last 15 min</option>
        <option value="3600000">Last 1 h</option>
        <option value="86400000">Last 24 h</option>
      </select>
    </label>
    <span id="live" class="live"><span class="dot"></span><span id="live-label">Live · every 5 s</span></span>
    <button id="refresh-toggle" type="button" data-testid="refresh-toggle" aria-pressed="false">Pause</button>
    <button id="refresh-now" type="button" data-testid="refresh-now">Refresh</button>
    <span class="muted">Updated <time id="last-refresh" data-testid="last-refresh">—</time></span>
    <button id="forget-key" type="button" class="link" hidden>Forget key</button>
  </div>
</header>
<div class="banner-wrap"><div id="banner" class="banner" role="alert" data-testid="banner" hidden></div></div>
<main>
  <section id="key-view" class="key-view" hidden>
    <form id="key-form" class="key-form card" data-testid="key-form" autocomplete="off">
      <h2>API key needed</h2>
      <p>This gateway is protected by API keys. Enter one to see its traces; it is kept in this tab only (sessionStorage).</p>
      <p id="key-error" class="error" data-testid="key-error" hidden></p>
      <div class="row">
        <input id="key-input" type="password" data-testid="key-input" placeholder="Gateway API key" aria-label="Gateway API key" required>
        <button type="submit" class="primary" data-testid="key-submit">Open</button>
      </div>
    </form>
  </section>

  <section id="overview" aria-label="Overview">
    <div class="cards">
      <div class="card"><h3>Requests</h3><div class="value" data-testid="stat-requests" id="stat-requests">—</div><div class="sub" id="sub-requests"></div></div>
      <div class="card" id="card-errors"><h3>Error rate</h3><div class="value" data-testid="stat-errors" id="stat-errors">—</div><div class="sub" id="sub-errors"></div></div>
      <div class="card"><h3>Fallback rate</h3><div class="value" data-testid="stat-fallbacks" id="stat-fallbacks">—</div><div class="sub">retry rate <span data-testid="stat-retries" id="stat-retries">—</span></div></div>
      <div class="card"><h3>Latency</h3>
        <div class="latency">
          <div><span class="label">p50</span><span class="v"><span data-testid="stat-p50" id="stat-p50">—</span><span class="unit">ms</span></span></div>
          <div><span class="label">p90</span><span class="v"><span data-testid="stat-p90" id="stat-p90">—</span><span class="unit">ms</span></span></div>
          <div><span class="label">p99</span><span class="v"><span data-testid="stat-p99" id="stat-p99">—</span><span class="unit">ms</span></span></div>
        </div>
        <div class="sub">first token p50 <span data-testid="stat-ttft" id="stat-ttft">—</span></div>
      </div>
      <div class="card"><h3>Cost</h3><div class="value" data-testid="stat-cost" id="stat-cost">—</div><div class="sub" id="sub-cost"></div></div>
      <div class="card"><h3>Reference cost</h3><div class="value" data-testid="stat-reference" id="stat-reference">—</div><div class="sub">the same traffic on each router's reference model</div></div>
      <div class="card" id="card-savings"><h3>Savings</h3><div class="value" data-testid="stat-savings" id="stat-savings">—</div><div class="sub"><span data-testid="stat-savings-pct" id="stat-savings-pct">—</span> of the reference cost</div></div>
    </div>

    <div class="grid-2">
      <div class="panel">
        <div class="panel-head"><h2>Requests</h2><div class="legend"><span><i class="swatch requests"></i>served</span><span><i class="swatch errors"></i>errors</span></div></div>
        <div class="chart" id="chart-timeline" data-testid="chart-timeline"></div>
      </div>
      <div class="panel">
        <div class="panel-head"><h2>Cost vs reference</h2><div class="legend"><span><i class="swatch cost"></i>cost</span><span><i class="swatch reference"></i>reference</span><span><i class="swatch savings"></i>saved</span></div></div>
        <div class="chart" id="chart-cost" data-testid="chart-cost"></div>
      </div>
      <div class="panel">
        <div class="panel-head"><h2>Routes</h2><span class="muted" id="routes-total"></span></div>
        <div class="shares" id="routes" data-testid="routes"></div>
      </div>
      <div class="panel">
        <div class="panel-head"><h2>Models</h2><span class="muted" id="models-total"></span></div>
        <div class="shares" id="models" data-testid="models"></div>
      </div>
    </div>

    <section class="panel traces" id="traces" aria-label="Traces">
      <div class="panel-head"><h2>Traces</h2><span class="muted" id="trace-count" data-testid="trace-count"></span></div>
      <div class="filters">
        <select id="filter-router" data-testid="filter-router" aria-label="Router"></select>
        <select id="filter-route" data-testid="filter-route" aria-label="Route"></select>
        <select id="filter-model" data-testid="filter-model" aria-label="Model"></select>
        <select id="filter-status" data-testid="filter-status" aria-label="Status"></select>
        <input id="filter-search" data-testid="filter-search" type="search" placeholder="Search prompt previews and ids in the loaded traces" aria-label="Search">
        <button id="filter-clear" type="button" class="link">Clear</button>
      </div>
      <div class="table-wrap">
        <table>
          <thead><tr><th class="num">Time</th><th>Route</th><th>Model</th><th>Status</th><th class="num">Latency</th><th class="num">Cost</th><th class="col-prompt">Prompt</th></tr></thead>
          <tbody id="trace-body" class="clickable" data-testid="trace-list"></tbody>
        </table>
        <div id="trace-empty" class="empty-note" hidden></div>
      </div>
      <div class="list-foot"><span>Newest first. Click a trace to see its decision step by step.</span><button id="load-more" type="button" data-testid="load-more" hidden>Load more</button></div>
    </section>
  </section>

  <section id="detail-view" data-testid="trace-detail" aria-label="Trace detail" hidden></section>
</main>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
