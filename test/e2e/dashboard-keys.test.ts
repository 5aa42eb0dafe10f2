import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { BudgetLedger } from '../../src/keys/budget-ledger.js';
import { CachedKeyLookup } from '../../src/keys/cached-key-lookup.js';
import { Governor } from '../../src/keys/key-governor.js';
import { SqliteKeyStore } from '../../src/keys/sqlite-key-store.js';
import { startServer, type RunningServer } from '../../src/server/create-server.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import type { GroupStats, TraceStats } from '../../src/telemetry/trace-stats.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { testConfig } from '../support/start-gateway.js';

/**
 * The dashboard's Keys panel in a real browser against a gateway with virtual keys, a team budget,
 * a rate limit and an admin key: a key's page shows only its own figures; the admin's shows every
 * key, the top keys by cost and savings, the budget bars and the refusals, as the API has them.
 */

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ADMIN_KEY = 'admin-key-for-the-dashboard';

type UsageJson = {
  keys: { id: string; name: string; team: string | null; refused: { rate_limited: number; budget_exceeded: number }; budget: { fraction: number; spent_usd: number; limit_usd: number } | null }[];
  teams: { id: string; budget: { fraction: number; spent_usd: number } | null }[];
};

const usd = (value: number): string => `${value < 0 ? '-$' : '$'}${Math.abs(value).toFixed(6)}`;
const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

async function getJson<T>(url: string, key: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
}

const testId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
const attributes = (page: Page, id: string, name: string): Promise<string[]> => testId(page, id).evaluateAll((nodes, attribute) => nodes.map((node) => node.getAttribute(attribute) ?? ''), name);
const POLL = { timeout: 10_000 };

describe.skipIf(!HAS_CHROMIUM)('dashboard keys view (headless Chromium)', () => {
  let browser: Browser;
  let upstream: FakeUpstream;
  let running: RunningServer;
  let dir: string;
  let checkout: { id: string; secret: string };
  let search: { id: string; secret: string };

  /** Opens the page and gives it `key` through its key form; collects what the page reports as broken. */
  async function openAs(key: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    page.setDefaultTimeout(8_000);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${running.url}/`);
    await testId(page, 'key-input').fill(key);
    await testId(page, 'key-submit').click();
    return { page, problems };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-dashboard-keys-'));
    upstream = await startFakeUpstream();
    const config = parseConfig(
      testConfig(upstream.url, `server:\n  admin_keys: ["${ADMIN_KEY}"]\nstorage:\n  path: "${join(dir, 'traces.db')}"\nteams:\n  payments: { budget: 0.5/day }\n`),
      'test.yaml',
      { env: {} },
    );
    const store = SqliteTraceStore.open({ path: config.storage.path, retention: config.storage.retention, batchMs: 5 });
    const keys = new SqliteKeyStore(store.db);
    const governor = new Governor({ teams: () => config.teams, budgets: new BudgetLedger({ clock: config.budgets }), keys: () => keys.list() });
    const gateway = await Gateway.create(config, { store, governor });
    running = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0, virtualKeys: new CachedKeyLookup((hash) => keys.findByHash(hash), 5_000) });
    const issue = (name: string, team: string | undefined, limits: Parameters<typeof keys.create>[0]['limits']): { id: string; secret: string } => {
      const issued = keys.create({ name, team, limits });
      return { id: issued.key.id, secret: issued.secret };
    };
    checkout = issue('checkout', 'payments', { budget: { usd: 0.1, period: 'day' } });
    search = issue('search-app', undefined, { rpm: 2, budget: { usd: 0.2, period: 'day' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });

    // Large usage so the budgets fill visibly: checkout's code requests go to coder (dearer than
    // cheap), search's to cheap; search's third request in the minute is over its rpm.
    const ask = (secret: string, content: string, usage?: { prompt_tokens: number; completion_tokens: number }): Promise<unknown> => {
      if (usage) upstream.enqueue({ type: 'completion', text: 'ok', usage });
      return new OpenAI({ baseURL: `${running.url}/v1`, apiKey: secret, maxRetries: 0 }).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }], max_tokens: 2000 });
    };
    await ask(checkout.secret, 'please debug this python script', { prompt_tokens: 20_000, completion_tokens: 1_000 });
    await ask(checkout.secret, 'refactor this python module', { prompt_tokens: 10_000, completion_tokens: 1_000 });
    await ask(search.secret, 'hello there', { prompt_tokens: 30_000, completion_tokens: 1_000 });
    await ask(search.secret, 'hello again', { prompt_tokens: 30_000, completion_tokens: 1_000 });
    // Refused before any upstream call: nothing to script.
    await expect(ask(search.secret, 'one too many')).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('groups /v1/stats by team for the admin, and refuses a grouping it does not know', async () => {
    const stats = await getJson<TraceStats>(`${running.url}/v1/stats?by=team`, ADMIN_KEY);
    expect(stats.groups?.map((group) => [group.id, group.requests])).toEqual([
      ['payments', 2],
      [null, 2],
    ]);
    const own = await getJson<TraceStats>(`${running.url}/v1/stats?by=team`, search.secret);
    expect(own.groups?.map((group) => [group.id, group.requests])).toEqual([[null, 2]]);
    const wrong = await fetch(`${running.url}/v1/stats?by=model`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { param: string; message: string } }).error).toMatchObject({ param: 'by', message: 'by must be one of key, team; got "model".' });
  });

  it("shows a key only its own spend, budget and requests", async () => {
    const stats = await getJson<TraceStats>(`${running.url}/v1/stats?by=key`, checkout.secret);
    const usage = await getJson<UsageJson>(`${running.url}/v1/usage`, checkout.secret);
    expect(stats.groups?.map((group) => group.id)).toEqual([checkout.id]);
    const own = stats.groups?.[0] as GroupStats;
    const budget = usage.keys.find((key) => key.id === checkout.id)?.budget;
    expect(budget?.fraction).toBeGreaterThan(0);

    const { page, problems } = await openAs(checkout.secret);
    await testId(page, 'keys-panel').waitFor();
    await expect.poll(() => attributes(page, 'key-row', 'data-id'), POLL).toEqual([checkout.id]);
    expect(await testId(page, 'stat-requests').textContent()).toBe('2');
    expect(await testId(page, 'key-cost').textContent()).toBe(usd(own.costUsd));
    expect(await testId(page, 'key-savings').textContent()).toBe(usd(own.savingsUsd));
    expect(await attributes(page, 'key-budget', 'data-fraction')).toEqual([String(budget?.fraction)]);
    expect(await testId(page, 'key-budget-pct').textContent()).toBe(percent(budget?.fraction ?? NaN));
    expect(await testId(page, 'key-budget-spent').textContent()).toBe(usd(budget?.spent_usd ?? NaN));
    expect(await attributes(page, 'top-cost-row', 'data-id')).toEqual([checkout.id]);
    const text = await page.locator('main').innerText();
    expect(text).toContain('checkout');
    expect(text).not.toContain(search.id);
    expect(text).not.toContain('search-app');
    expect(problems).toEqual([]);
    await page.close();
  }, 20_000);

  it('shows the admin every key, the top keys by cost and savings, the budget bars and the refusals', async () => {
    const stats = await getJson<TraceStats>(`${running.url}/v1/stats?by=key`, ADMIN_KEY);
    const usage = await getJson<UsageJson>(`${running.url}/v1/usage`, ADMIN_KEY);
    const groups = (stats.groups ?? []).filter((group) => group.id !== null);
    expect(groups.map((group) => group.id).sort()).toEqual([checkout.id, search.id].sort());
    const bySavings = [...groups].sort((a, b) => b.savingsUsd - a.savingsUsd).map((group) => group.id);

    const { page, problems } = await openAs(ADMIN_KEY);
    await expect.poll(() => attributes(page, 'key-row', 'data-id'), POLL).toEqual(groups.map((group) => group.id));
    expect(await testId(page, 'stat-requests').textContent()).toBe(String(stats.requests));
    expect(await attributes(page, 'key-row', 'data-cost')).toEqual(groups.map((group) => String(group.costUsd)));
    // The dearest first, as the API orders them.
    expect(await attributes(page, 'top-cost-row', 'data-id')).toEqual(groups.map((group) => group.id));
    expect(await attributes(page, 'top-savings-row', 'data-id')).toEqual(bySavings);
    for (const key of [checkout, search]) {
      const row = page.locator(`[data-testid="key-row"][data-id="${key.id}"]`);
      const budget = usage.keys.find((entry) => entry.id === key.id)?.budget;
      expect(budget).toBeTruthy();
      expect(await row.locator('[data-testid="key-budget"]').getAttribute('data-fraction')).toBe(String(budget?.fraction));
      expect(await row.locator('[data-testid="key-budget-pct"]').textContent()).toBe(percent(budget?.fraction ?? NaN));
    }
    expect(await page.locator(`[data-testid="key-row"][data-id="${search.id}"] [data-testid="key-limits"]`).textContent()).toBe('2 rpm');
    expect(await page.locator(`[data-testid="key-row"][data-id="${checkout.id}"] [data-testid="key-limits"]`).textContent()).toBe('no rate limits');
    // search went over its rpm once.
    const searchRow = page.locator(`[data-testid="key-row"][data-id="${search.id}"]`);
    expect(await searchRow.locator('[data-testid="refused"]').getAttribute('data-rate-limited')).toBe('1');
    expect(await page.locator(`[data-testid="key-row"][data-id="${checkout.id}"] [data-testid="refused"]`).getAttribute('data-rate-limited')).toBe('0');
    // The team's budget, from the same usage.
    const team = usage.teams.find((entry) => entry.id === 'payments');
    expect(team?.budget?.fraction).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="team-row"][data-id="payments"] [data-testid="team-budget"]').getAttribute('data-fraction')).toBe(String(team?.budget?.fraction));
    // A key's row narrows the trace list to its traces, as the API's key filter does.
    const { data: searchTraces } = await getJson<{ data: { id: string }[] }>(`${running.url}/v1/traces?key=${search.id}`, ADMIN_KEY);
    expect(searchTraces).toHaveLength(2);
    expect((await attributes(page, 'trace-row', 'data-id')).length).toBe(stats.requests);
    await searchRow.click();
    await expect.poll(() => attributes(page, 'trace-row', 'data-id'), POLL).toEqual(searchTraces.map((trace) => trace.id));
    expect(await testId(page, 'filter-key').inputValue()).toBe(search.id);
    await page.screenshot({ path: '/tmp/switchyard-dashboard-keys.png', fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 20_000);
});
