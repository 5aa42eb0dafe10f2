import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriftMonitor } from '../../src/learning/drift-monitor.js';
import type { Trace } from '../../src/spec/trace.js';
import type { TraceStats } from '../../src/telemetry/trace-stats.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against a real
 * gateway with real traffic from the fake upstream: the numbers it shows must be the stored ones.
 */

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`dashboard browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium).`);

const PROVIDER_KEY = 'sk-test-secret-key-123456';
const XSS_PROMPT = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> hello';

type Sent = { id: string; route: string; model: string; ok: boolean; failover?: boolean };
type StoredTrace = Trace & { feedback: unknown[] };

/** The page's formats, written again here so a change on either side shows. */
const usd = (value: number): string => `${value < 0 ? '-$' : '$'}${Math.abs(value).toFixed(6)}`;
const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;
const ms = (value: number): string => (value < 10 ? value.toFixed(1) : String(Math.round(value)));

async function getJson<T>(url: string, key?: string): Promise<T> {
  const response = await fetch(url, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
}

function count<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

const testId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
/** The text of an element now (no waiting: polled). */
const textOf = async (page: Page, id: string): Promise<string> => ((await testId(page, id).allTextContents())[0] ?? '').trim();

/** The page loads, then fetches: give it time on a cold browser. */
const POLL = { timeout: 10_000 };

async function openPage(browser: Browser, url: string, viewport = { width: 1360, height: 1000 }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(8_000);
  const problems = watchProblems(page);
  await page.goto(url);
  return { page, problems };
}

/** Rows of a share chart as `{ name: requests }`. */
async function shareRows(page: Page, id: 'route-row' | 'model-row'): Promise<Record<string, number>> {
  const rows = await testId(page, id).evaluateAll((nodes) => nodes.map((node) => [node.getAttribute('data-name') ?? '', Number(node.getAttribute('data-requests'))] as const));
  return Object.fromEntries(rows);
}

const traceRowIds = (page: Page): Promise<string[]> => testId(page, 'trace-row').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-id') ?? ''));

/** Errors the page itself reports (script errors, CSP violations): none are expected. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A 401 from the API is the key flow working, and a static key's 403 from /v1/usage (budgets are
    // for virtual keys) the Keys panel finding nothing to show: neither is a problem of the page.
    const expected = /status of 401/.test(message.text()) || (/status of 403/.test(message.text()) && message.location().url.endsWith('/v1/usage'));
    if (message.type() === 'error' && !expected) problems.push(`console: ${message.text()}`);
  });
  return problems;
}

describe.skipIf(!HAS_CHROMIUM)('dashboard (headless Chromium)', () => {
  let browser: Browser;
  let upstream: FakeUpstream;
  let running: TestGateway;
  let secured: TestGateway | undefined;
  let directory: string;
  const sent: Sent[] = [];

  async function send(content: string, route: string, options: { fail?: boolean; failover?: boolean; stream?: boolean } = {}): Promise<void> {
    if (options.fail || options.failover) upstream.enqueue({ type: 'error', status: options.failover ? 500 : 503, message: 'upstream is down' });
    const client = new OpenAI({ baseURL: running.baseURL, apiKey: 'x', maxRetries: 0 });
    try {
      if (options.stream) {
        const { data, response } = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } }).withResponse();
        for await (const chunk of data) void chunk;
        sent.push({ id: response.headers.get('x-switchyard-trace-id') ?? '', route, model: response.headers.get('x-switchyard-model') ?? '', ok: true });
        return;
      }
      const { response } = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }] }).withResponse();
      sent.push({ id: response.headers.get('x-switchyard-trace-id') ?? '', route, model: response.headers.get('x-switchyard-model') ?? '', ok: true, ...(options.failover ? { failover: true } : {}) });
    } catch (error) {
      if (!(error instanceof APIError) || !options.fail) throw error;
      sent.push({ id: error.headers?.get('x-switchyard-trace-id') ?? '', route, model: 'none', ok: false });
    }
  }

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'switchyard-dashboard-'));
    upstream = await startFakeUpstream();
    // With a drift monitor, so the Quality panel has a feedback score to show.
    running = await startGateway(`storage: { path: "${join(directory, 'traces.db')}" }\n${testConfig(upstream.url)}`, {}, { store: true, qualityObserver: new DriftMonitor({ margin: 0.1, window: 200, minSamples: 30, baselineSamples: 100 }) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // Mixed traffic through three routes (default → cheap, code → coder with cheap as fallback,
    // creative → strong), with two upstream errors and one failover.
    for (let index = 0; index < 4; index++) await send(`hello there, question ${index}`, 'auto/default');
    for (let index = 0; index < 3; index++) await send(`please debug this python script ${index}`, 'auto/code');
    await send('write a poem about the sea', 'auto/creative');
    await send('a short story about trains', 'auto/creative');
    await send('refactor this python module', 'auto/code', { failover: true });
    await send('hello again, will this fail?', 'auto/default', { fail: true });
    await send('a poem that will fail', 'auto/creative', { fail: true });
    await send('hello, streaming please', 'auto/default', { stream: true });
    await send(XSS_PROMPT, 'auto/default');
    const scored = await fetch(`${running.baseURL}/feedback`, { method: 'POST', body: JSON.stringify({ trace_id: sent[0]?.id, score: 0.75 }) });
    expect(scored.status).toBe(201);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await secured?.close();
    await running?.close();
    await upstream?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('serves the page with a strict content security policy and no data in it', async () => {
    const response = await fetch(`${running.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).not.toContain(sent[0]?.id ?? 'no trace');
  });

  it('shows the same requests, rates, latencies, costs and shares as the stored traces', async () => {
    const stats = await getJson<TraceStats>(`${running.baseURL}/stats`);
    const { data: traces } = await getJson<{ data: StoredTrace[] }>(`${running.baseURL}/traces?limit=500`);
    // The API agrees with what was sent.
    expect(new Set(traces.map((trace) => trace.id))).toEqual(new Set(sent.map((item) => item.id)));
    expect(stats.requests).toBe(sent.length);
    expect(stats.statuses.error).toBe(2);
    const routeOf = (trace: Trace): string => `${trace.router ?? 'none'}/${trace.route ?? 'none'}`;
    expect(count(traces, routeOf)).toEqual(count(sent, (item) => item.route));
    expect(count(traces, (trace) => trace.model ?? 'none')).toEqual(count(sent, (item) => item.model));
    expect(stats.costUsd).toBeCloseTo(traces.reduce((sum, trace) => sum + (trace.costUsd ?? 0), 0), 12);
    expect(stats.referenceCostUsd).toBeCloseTo(traces.reduce((sum, trace) => sum + (trace.referenceCostUsd ?? 0), 0), 12);
    expect(stats.costUsd).toBeGreaterThan(0);

    const { page, problems } = await openPage(browser, `${running.url}/`);
    await expect.poll(() => textOf(page, 'stat-requests'), POLL).toBe(String(sent.length));

    expect(await textOf(page, 'stat-cost')).toBe(usd(stats.costUsd));
    expect(await textOf(page, 'stat-cost')).toBe(usd(traces.reduce((sum, trace) => sum + (trace.costUsd ?? 0), 0)));
    expect(await textOf(page, 'stat-reference')).toBe(usd(stats.referenceCostUsd));
    expect(await textOf(page, 'stat-savings')).toBe(usd(stats.savingsUsd));
    expect(await textOf(page, 'stat-savings-pct')).toBe(percent(stats.savingsUsd / stats.referenceCostUsd));
    expect(await textOf(page, 'stat-errors')).toBe(percent(2 / sent.length));
    expect(await textOf(page, 'stat-fallbacks')).toBe(percent(stats.fallbackRate));
    expect(stats.fallbackRate).toBeCloseTo(1 / sent.filter((item) => item.ok).length, 12);
    expect(stats.latencyMs).toBeDefined();
    expect(await textOf(page, 'stat-p50')).toBe(ms(stats.latencyMs?.p50 ?? NaN));
    expect(await textOf(page, 'stat-p90')).toBe(ms(stats.latencyMs?.p90 ?? NaN));
    expect(await textOf(page, 'stat-p99')).toBe(ms(stats.latencyMs?.p99 ?? NaN));
    // No virtual key sent any of this traffic: no Keys panel.
    expect(await testId(page, 'keys-panel').isVisible()).toBe(false);
    // The one feedback score (0.75, on a default-route answer of cheap) is the Quality panel's estimate, drawn as the drift monitor reads it.
    await expect.poll(() => testId(page, 'quality-row').count(), POLL).toBe(1);
    expect(await testId(page, 'quality-row').getAttribute('data-model')).toBe('cheap');
    expect(await textOf(page, 'quality-estimate')).toBe('0.750');
    expect(await textOf(page, 'quality-samples')).toBe('1');

    expect(await shareRows(page, 'route-row')).toEqual(count(sent, (item) => item.route));
    expect(await shareRows(page, 'model-row')).toEqual(count(sent, (item) => item.model));
    // Both charts are drawn: a bar per bucket with traffic, and the two cost lines.
    expect(await page.locator('#chart-timeline rect.bar-ok').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-timeline rect.bar-err').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-cost path.line-cost').count()).toBe(1);
    expect(await page.locator('#chart-cost path.line-ref').count()).toBe(1);

    await page.screenshot({ path: '/tmp/dashboard.png', fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 20_000);

  it('lists the newest traces, filters and searches them, and shows a failover step by step', async () => {
    const { data: newest } = await getJson<{ data: StoredTrace[] }>(`${running.baseURL}/traces?limit=50`);
    const { page, problems } = await openPage(browser, `${running.url}/`, { width: 1280, height: 900 });
    await expect.poll(() => testId(page, 'trace-row').count(), POLL).toBe(sent.length);
    expect(await traceRowIds(page)).toEqual(newest.map((trace) => trace.id));

    // User text is shown as text, never run or parsed as HTML.
    const xss = sent[sent.length - 1] as Sent;
    expect(await page.locator(`[data-testid="trace-row"][data-id="${xss.id}"] td.prompt`).textContent()).toContain('<img src=x');
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
    expect(await page.locator('#trace-body img, #trace-body script').count()).toBe(0);

    // Filtering by route asks the API for that route only.
    const code = sent.filter((item) => item.route === 'auto/code');
    await testId(page, 'filter-route').selectOption('code');
    await expect.poll(() => traceRowIds(page).then((ids) => ids.sort()), POLL).toEqual(code.map((item) => item.id).sort());
    // The search narrows the loaded page further, in the browser.
    await testId(page, 'filter-search').fill('refactor');
    const failover = sent.find((item) => item.failover) as Sent;
    await expect.poll(() => traceRowIds(page), POLL).toEqual([failover.id]);

    const feedback = await fetch(`${running.baseURL}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ trace_id: failover.id, score: 0.25, label: '<b>too terse</b>', better_model: 'strong' }),
    });
    expect(feedback.status).toBe(201);
    await page.locator(`[data-testid="trace-row"][data-id="${failover.id}"]`).click();
    await page.locator(`[data-testid="trace-detail"][data-id="${failover.id}"]`).waitFor();
    expect(page.url()).toContain(`#trace=${encodeURIComponent(failover.id)}`);
    const stored = await getJson<StoredTrace>(`${running.baseURL}/traces/${failover.id}`);
    expect(await textOf(page, 'detail-route')).toBe('auto/code');
    expect(await textOf(page, 'detail-model')).toBe('cheap');
    expect(await textOf(page, 'detail-cost')).toBe(usd(stored.costUsd ?? NaN));
    expect(await textOf(page, 'detail-reference')).toBe(usd(stored.referenceCostUsd ?? NaN));
    const attempts = await testId(page, 'attempt-row').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-model'), row.getAttribute('data-outcome')]));
    expect(attempts).toEqual([
      ['coder', 'error'],
      ['cheap', 'ok'],
    ]);
    const said = await textOf(page, 'detail-feedback');
    for (const part of ['score 0.25', '<b>too terse</b>', 'better model: strong']) expect(said).toContain(part);
    await page.screenshot({ path: '/tmp/dashboard-detail.png', fullPage: true });
    expect(await page.content()).not.toContain(PROVIDER_KEY);

    // Back to the list, with the filters kept.
    await testId(page, 'detail-back').click();
    await expect.poll(() => traceRowIds(page), POLL).toEqual([failover.id]);

    // A link to a trace opens it directly: an upstream error, one attempt, no model.
    const failed = sent.find((item) => !item.ok) as Sent;
    await page.goto(`${running.url}/#trace=${encodeURIComponent(failed.id)}`);
    await page.locator(`[data-testid="trace-detail"][data-id="${failed.id}"]`).waitFor();
    expect(await textOf(page, 'detail-route')).toBe(failed.route);
    expect(await textOf(page, 'detail-model')).toBe('none');
    expect(await testId(page, 'attempt-row').count()).toBe(1);

    expect(problems).toEqual([]);
    await page.close();
  }, 20_000);

  it('asks for the API key when the gateway has keys, and shows the numbers once given', async () => {
    secured = await startGateway(`server: { api_keys: ["k-test"] }\nstorage: { path: "${join(directory, 'secured.db')}" }\n${testConfig(upstream.url)}`, {}, { store: true });
    const client = new OpenAI({ baseURL: secured.baseURL, apiKey: 'k-test', maxRetries: 0 });
    for (const content of ['hello', 'debug this python', 'write a poem']) await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }] });
    expect((await fetch(`${secured.baseURL}/stats`)).status).toBe(401);

    const { page, problems } = await openPage(browser, `${secured.url}/`, { width: 1000, height: 800 });
    await testId(page, 'key-form').waitFor();
    expect(await testId(page, 'stat-requests').isVisible()).toBe(false);

    await testId(page, 'key-input').fill('wrong-key');
    await testId(page, 'key-submit').click();
    await testId(page, 'key-error').waitFor();
    expect(await textOf(page, 'key-error')).toContain('Invalid API key');

    await testId(page, 'key-input').fill('k-test');
    await testId(page, 'key-submit').click();
    await expect.poll(() => textOf(page, 'stat-requests'), POLL).toBe('3');
    const stats = await getJson<TraceStats>(`${secured.baseURL}/stats`, 'k-test');
    expect(await textOf(page, 'stat-cost')).toBe(usd(stats.costUsd));
    expect(await testId(page, 'key-form').isVisible()).toBe(false);
    expect(await page.evaluate("sessionStorage.getItem('switchyard.apiKey')")).toBe('k-test');
    // A static key has no virtual keys' figures to show: no Keys panel.
    expect(await testId(page, 'keys-panel').isVisible()).toBe(false);

    // A reload keeps the key for the tab.
    await page.reload();
    await expect.poll(() => textOf(page, 'stat-requests'), POLL).toBe('3');
    expect(problems).toEqual([]);
    await page.close();
  }, 20_000);

  it('pages through the trace list with next_cursor, and keeps its numbers across windows', async () => {
    const busy = await startGateway(testConfig(upstream.url));
    try {
      const client = new OpenAI({ baseURL: busy.baseURL, apiKey: 'x', maxRetries: 0 });
      for (let index = 0; index < 57; index++) await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `hello number ${index}` }] });
      const { data: all } = await getJson<{ data: Trace[] }>(`${busy.baseURL}/traces?limit=500`);
      const { page, problems } = await openPage(browser, `${busy.url}/`);
      await expect.poll(() => testId(page, 'trace-row').count(), POLL).toBe(50);
      await testId(page, 'load-more').click();
      await expect.poll(() => traceRowIds(page), POLL).toEqual(all.map((trace) => trace.id));
      expect(await testId(page, 'load-more').isVisible()).toBe(false);

      await testId(page, 'refresh-toggle').click();
      expect(await testId(page, 'refresh-toggle').getAttribute('aria-pressed')).toBe('true');
      await testId(page, 'window').selectOption('86400000');
      await expect.poll(() => textOf(page, 'stat-requests'), POLL).toBe('57');
      expect(await shareRows(page, 'route-row')).toEqual({ 'auto/default': 57 });
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await busy.close();
    }
  }, 20_000);
});
