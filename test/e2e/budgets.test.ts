import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyLimits } from '../../src/keys/virtual-key.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startBudgetGateway, type BudgetGateway } from '../support/start-budget-gateway.js';

// `pricey`: a request of "hello" with max_tokens 50 may cost (6 framing + 9 bytes of text) × $10/M +
// 50 × $40/M = $0.00215; it costs (the fake's usage) 10 × $10/M + 20 × $40/M = $0.0009.
const WORST_MICROS = 2_150;
const COST_MICROS = 900;
const LIMIT_MICROS = 10_000;

function config(upstreamUrl: string, path: string): string {
  return `
providers:
  fake: { type: openai, base_url: "${upstreamUrl}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  pricey: { provider: fake, model: pricey-wire, price: { input: 10, output: 40 }, context_window: 128000 }
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.1, output: 0.4 }, context_window: 128000 }
routers:
  auto:
    default: pricey
    on_budget: [{ above: 0.8, use: thrifty }, { above: 1, block: "Budget reached" }]
  thrifty:
    default: cheap
teams:
  search: { budget: 0.005/day }
storage:
  path: "${path}"
`;
}

let upstream: FakeUpstream;
let path: string;
let current: BudgetGateway;
const logLines: string[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.respond({ type: 'completion', text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 20 } });
  path = join(mkdtempSync(join(tmpdir(), 'switchyard-budgets-')), 'traces.db');
  current = await startBudgetGateway(config(upstream.url, path), logLines);
});

afterAll(async () => {
  await current.running.close();
  await upstream.close();
});

const openai = (secret: string): OpenAI => new OpenAI({ baseURL: `${current.running.url}/v1`, apiKey: secret, maxRetries: 0 });
const ask = (secret: string, model = 'pricey') => openai(secret).chat.completions.create({ model, max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }).withResponse();

function createKey(name: string, limits: KeyLimits, team?: string): { id: string; secret: string } {
  const issued = current.keys.create({ name, limits, team });
  return { id: issued.key.id, secret: issued.secret };
}

/** The key's stored traces' costs, each in whole micro-dollars as budgets count them, once the writer has written them. */
async function tracedMicros(keyId: string): Promise<{ count: number; micros: number }> {
  await current.store.flush();
  return current.store.db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(CAST(ROUND(cost_usd * 1000000) AS INTEGER)), 0) AS micros FROM traces WHERE key_id = ?').get(keyId) as { count: number; micros: number };
}

const secondsToUtcMidnight = (): number => {
  const now = new Date();
  return (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000;
};

describe('budgets', () => {
  let capped: { id: string; secret: string };

  it('stops a $0.01 key at the request whose worst case would cross it, in both dialects, and never spends past it', async () => {
    capped = createKey('capped', { budget: { usd: 0.01, period: 'day' } });
    let answered = 0;
    let refusal: unknown;
    while (refusal === undefined && answered < 20) {
      try {
        await ask(capped.secret);
        answered++;
      } catch (error) {
        refusal = error;
      }
    }
    // 8 × $0.0009 spent + a $0.00215 worst case fits in $0.01; with 9 spent it would not.
    expect(answered).toBe(Math.floor((LIMIT_MICROS - WORST_MICROS) / COST_MICROS) + 1);
    expect(refusal).toBeInstanceOf(OpenAI.APIError);
    const error = refusal as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(429);
    expect(error.code).toBe('budget_exceeded');
    expect(error.type).toBe('insufficient_quota');
    expect(error.message).toContain('the daily budget of key capped');
    expect(error.message).toContain('$0.0081 is spent');
    expect(error.message).toContain('may cost up to $0.00215');
    const retryAfter = Number(error.headers?.get('retry-after'));
    expect(Math.abs(retryAfter - secondsToUtcMidnight())).toBeLessThan(5);
    expect(error.headers?.get('x-should-retry')).toBe('false');

    const anthropic = new Anthropic({ baseURL: current.running.url, apiKey: capped.secret, maxRetries: 0 });
    const refused = await anthropic.messages.create({ model: 'pricey', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(Anthropic.APIError);
    const anthropicError = refused as InstanceType<typeof Anthropic.APIError>;
    expect(anthropicError.status).toBe(429);
    expect(anthropicError.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('the daily budget of key capped') } });
    expect(Math.abs(Number(anthropicError.headers?.get('retry-after')) - secondsToUtcMidnight())).toBeLessThan(5);

    const traced = await tracedMicros(capped.id);
    expect(traced.micros).toBe(answered * COST_MICROS);
    expect(current.ledger.spentMicros('key', capped.id, 'day')).toBe(traced.micros);
    expect(traced.micros).toBeLessThanOrEqual(LIMIT_MICROS);
  });

  it('lets concurrent requests hold no more than the budget: spend stays under it', async () => {
    const key = createKey('concurrent', { budget: { usd: 0.01, period: 'day' } });
    upstream.respond({ type: 'completion', text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 20 }, delayMs: 300 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => ask(key.secret)));
      const answered = results.filter((result) => result.status === 'fulfilled').length;
      const refused = results.filter((result) => result.status === 'rejected' && (result.reason as InstanceType<typeof OpenAI.APIError>).code === 'budget_exceeded').length;
      expect(answered + refused).toBe(12);
      // At least the holds that fit at once; every refusal came while the held worst cases filled the budget.
      expect(answered).toBeGreaterThanOrEqual(Math.floor(LIMIT_MICROS / WORST_MICROS));
      expect(refused).toBeGreaterThan(0);
      const traced = await tracedMicros(key.id);
      expect(traced.micros).toBe(answered * COST_MICROS);
      expect(traced.micros).toBeLessThanOrEqual(LIMIT_MICROS);
    } finally {
      upstream.respond({ type: 'completion', text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 20 } });
    }
  });

  it('switches a router with on_budget to its cheap router at 80%, and the Decision shows the budget and the rule', async () => {
    const key = createKey('switching', { budget: { usd: 0.01, period: 'day' } });
    const routers: string[] = [];
    const models: string[] = [];
    for (let index = 0; index < 11; index++) {
      const { response } = await ask(key.secret, 'auto');
      routers.push(String(response.headers.get('x-switchyard-router')));
      models.push(String(response.headers.get('x-switchyard-model')));
    }
    // 9 × $0.0009 = $0.0081: from 81% on, the thrifty router.
    expect(routers).toEqual([...Array<string>(9).fill('auto'), 'thrifty', 'thrifty']);
    expect(models.slice(8)).toEqual(['pricey', 'cheap', 'cheap']);
    const { response } = await ask(key.secret, 'auto');
    const traceId = String(response.headers.get('x-switchyard-trace-id'));
    const trace = (await current.store.get(traceId))?.trace;
    expect(trace?.decision.budget).toMatchObject({ scope: 'key', id: key.id, limitUsd: 0.01, rule: { above: 0.8, use: 'thrifty' } });
    expect(trace?.decision.budget?.fraction).toBeGreaterThanOrEqual(0.8);
    expect(trace?.decision.router).toBe('thrifty');
  });

  it('blocks with the rule\'s message once the budget is all spent', async () => {
    const key = createKey('lowered', { budget: { usd: 0.01, period: 'day' } });
    await ask(key.secret, 'auto');
    // The operator lowers the budget to what is spent: past the lookup cache, the router's last rule holds.
    current.keys.update(key.id, { limits: { budget: { usd: COST_MICROS / 1_000_000, period: 'day' } } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const { data, response } = await ask(key.secret, 'auto');
    expect(data.choices[0]?.message.content).toBe('Budget reached');
    const trace = (await current.store.get(String(response.headers.get('x-switchyard-trace-id'))))?.trace;
    expect(trace?.status).toBe('blocked');
    expect(trace?.decision).toMatchObject({ router: 'auto', policy: 'block', budget: { fraction: 1, rule: { above: 1, block: 'Budget reached' } } });
  });

  it('shares a team budget between its keys', async () => {
    const first = createKey('search-1', {}, 'search');
    const second = createKey('search-2', {}, 'search');
    let answered = 0;
    let refusal: InstanceType<typeof OpenAI.APIError> | undefined;
    for (let index = 0; index < 10 && !refusal; index++) {
      try {
        await ask(index % 2 === 0 ? first.secret : second.secret);
        answered++;
      } catch (error) {
        refusal = error as InstanceType<typeof OpenAI.APIError>;
      }
    }
    // $0.005: 3 × $0.0009 + $0.00215 fits, 4 × would not.
    expect(answered).toBe(Math.floor((5_000 - WORST_MICROS) / COST_MICROS) + 1);
    expect(refusal?.code).toBe('budget_exceeded');
    expect(refusal?.message).toContain('the daily budget of team search is $0.005');
    const spent = (await tracedMicros(first.id)).micros + (await tracedMicros(second.id)).micros;
    expect(spent).toBe(answered * COST_MICROS);
    expect(current.ledger.spentMicros('team', 'search', 'day')).toBe(spent);
  });

  it('logs and counts an alert as a key crosses 50%, 80% and 100%, once each, without its secret', async () => {
    const alerts = logLines.map((line) => JSON.parse(line) as { budget?: { keyId: string; scope: string; threshold: number } }).filter((line) => line.budget?.keyId === capped.id);
    // $0.0081 of $0.01 settled: past 50% and 80%, not 100%.
    expect(alerts.map((line) => line.budget?.threshold)).toEqual([0.5, 0.8]);
    expect(logLines.join('\n')).not.toContain(capped.secret);
    const metrics = await current.gateway.metrics.render();
    // Keys capped, switching (50%, 80%) and the team search (50%).
    expect(metrics).toContain('switchyard_budget_alerts_total{scope="key",threshold="0.8"} 2');
    expect(metrics).toContain('switchyard_budget_alerts_total{scope="team",threshold="0.5"} 1');
  });

  it('keeps the spend across a restart on the same store', async () => {
    await current.running.close();
    current = await startBudgetGateway(config(upstream.url, path), logLines);
    expect(current.ledger.spentMicros('key', capped.id, 'day')).toBe((await tracedMicros(capped.id)).micros);
    const refused = await ask(capped.secret).catch((error: unknown) => error as InstanceType<typeof OpenAI.APIError>);
    expect(refused).toMatchObject({ status: 429, code: 'budget_exceeded' });
  });
});
