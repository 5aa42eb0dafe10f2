import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteKeyStore } from '../../src/keys/sqlite-key-store.js';
import type { VirtualKeyInput } from '../../src/keys/virtual-key.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { rejection } from '../support/rejection.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

const STATIC_KEY = 'static-gateway-key';
const ADMIN_KEY = 'admin-gateway-key-0123456789';

let upstream: FakeUpstream;
let gateway: TestGateway;
let keys: SqliteKeyStore;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-limits-')), 'traces.db');
  const extra = `server:\n  api_keys: ["${STATIC_KEY}"]\n  admin_keys: ["${ADMIN_KEY}"]\nstorage:\n  path: "${path}"\nteams:\n  shared: { rpm: 3 }\n  ops: { rpm: 100, max_concurrent: 10, budget: 100/month }\n`;
  const config = testConfig(upstream.url, extra).replace('models:\n', 'models:\n  emb: { provider: fake, model: emb-wire, price: { input: 0.02 }, embedding: { dimensions: 64 } }\n');
  gateway = await startGateway(config, {}, { store: true, virtualKeys: true });
  keys = gateway.keys as SqliteKeyStore;
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

beforeEach(() => {
  upstream.respond({ type: 'completion', text: 'fine' });
});

let created = 0;
/** A new key of the store (a name of its own per test), its secret. */
function createKey(input: Omit<VirtualKeyInput, 'name'>): string {
  return keys.create({ name: `app-${++created}`, ...input }).secret;
}

const openai = (key: string): OpenAI => new OpenAI({ baseURL: gateway.baseURL, apiKey: key, maxRetries: 0 });
const anthropic = (key: string): Anthropic => new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0 });
const ask = (key: string, content = 'hello', model = 'auto') => openai(key).chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();

const rateLimited = (promise: Promise<unknown>) => rejection(promise, OpenAI.RateLimitError);

describe('per-key rate limits', () => {
  it('rpm 60: exactly 60 of 100 requests sent at once are answered, the rest 429 with retry-after and the x-ratelimit headers', async () => {
    const key = createKey({ limits: { rpm: 60 } });
    const settled = await Promise.allSettled(Array.from({ length: 100 }, () => ask(key)));
    const answered = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.response.headers] : []));
    const refused = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(answered).toHaveLength(60);
    expect(refused).toHaveLength(40);
    // Remaining counts down, one per admitted request: each of 59..0 once.
    const remaining = answered.map((headers) => Number(headers.get('x-ratelimit-remaining-requests'))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 60 }, (_, index) => index));
    for (const headers of answered) {
      expect(headers.get('x-ratelimit-limit-requests')).toBe('60');
      expect(headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+s|1m0s)$/);
    }
    for (const error of refused) {
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(limited.code).toBe('rate_limit_exceeded');
      expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThan(50);
      expect(Number(limited.headers?.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(limited.headers?.get('x-ratelimit-limit-requests')).toBe('60');
      expect(limited.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    }
    expect((refused[0] as Error).message).toMatch(/key "app-\d+"'s limit of 60 requests per minute \(rpm\)/);
  });

  it('rpm through the Anthropic client: rate_limit_error, with the anthropic-ratelimit headers beside the x-ratelimit ones', async () => {
    const key = createKey({ limits: { rpm: 2 } });
    const client = anthropic(key);
    const send = () => client.messages.create({ model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    const first = await send();
    expect(first.response.headers.get('anthropic-ratelimit-requests-limit')).toBe('2');
    expect(first.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('1');
    const reset = first.response.headers.get('anthropic-ratelimit-requests-reset') ?? '';
    expect(reset).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(reset) - Date.now()).toBeGreaterThan(50_000);
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    await send();
    const error: unknown = await send().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const limited = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect((limited.error as { error: { type: string } }).error.type).toBe('rate_limit_error');
    expect(limited.headers?.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(limited.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('tpm: counts the prompt at admission, the real input and output when the request ends, and refuses past the limit', async () => {
    const key = createKey({ limits: { tpm: 200 } });
    // The prompt is estimated at 32 tokens (four characters a token, plus the message framing); the upstream bills 150 in and 40 out.
    upstream.enqueue({ type: 'completion', text: 'fine', usage: { prompt_tokens: 150, completion_tokens: 40 } });
    const first = await ask(key, 'x'.repeat(100));
    expect(Number(first.response.headers.get('x-ratelimit-remaining-tokens'))).toBe(200 - 32);
    const error = await rateLimited(ask(key, 'x'.repeat(100)));
    expect(error.message).toMatch(/limit of 200 tokens per minute \(tpm\)/);
    expect(error.headers?.get('x-ratelimit-remaining-tokens')).toBe('10');
    // A prompt that fits in what is left passes.
    await ask(key, 'hi');
  });

  it('max_concurrent: a slot is held until the stream ends; one more request is refused meanwhile', async () => {
    const key = createKey({ limits: { maxConcurrent: 2 } });
    const before = upstream.requests.length;
    upstream.respond({ type: 'completion', text: 'one two three four', chunkDelayMs: 150 });
    const client = openai(key);
    const streams = await Promise.all([0, 1].map(() => client.chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hello' }] })));
    expect(upstream.requests.length - before).toBe(2);
    const error = await rateLimited(ask(key));
    expect(error.message).toMatch(/limit of 2 requests in flight \(max_concurrent\)/);
    expect(error.headers?.get('x-ratelimit-remaining-concurrent')).toBe('0');
    expect(error.headers?.get('retry-after')).toBe('1');
    for (const stream of streams) for await (const chunk of stream) expect(chunk).toBeDefined();
    upstream.respond({ type: 'completion', text: 'fine' });
    const after = await ask(key);
    expect(after.response.headers.get('x-ratelimit-remaining-concurrent')).toBe('1');
  });

  it('a team limit is shared by the keys of the team', async () => {
    const a = createKey({ team: 'shared' });
    const b = createKey({ team: 'shared' });
    await ask(a);
    await ask(b);
    const last = await ask(a);
    expect(last.response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const error = await rateLimited(ask(b));
    expect(error.message).toMatch(/team "shared"'s limit of 3 requests per minute/);
    await rateLimited(ask(a));
  });

  it('headers on answers in one piece and streamed for a key with limits, none for a key without', async () => {
    const limited = createKey({ limits: { rpm: 100, tpm: 100_000 } });
    const json = await ask(limited);
    expect(json.response.headers.get('x-ratelimit-remaining-requests')).toBe('99');
    expect(json.response.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    const stream = await openai(limited).chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    for await (const chunk of stream.data) expect(chunk).toBeDefined();
    expect(stream.response.headers.get('x-ratelimit-remaining-requests')).toBe('98');
    expect(stream.response.headers.get('x-ratelimit-reset-tokens')).toMatch(/s$/);
    for (const key of [createKey({}), STATIC_KEY]) {
      const plain = await ask(key);
      expect([...plain.response.headers.keys()].filter((name) => name.includes('ratelimit'))).toEqual([]);
    }
  });
});

describe('embeddings', () => {
  it('count against the key\'s limits and allow lists like chat requests, with the same headers', async () => {
    upstream.respond({ type: 'embedding' });
    const key = createKey({ limits: { rpm: 2 } });
    const embed = () => openai(key).embeddings.create({ model: 'emb', input: ['one text', 'another'] }).withResponse();
    const first = await embed();
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    await embed();
    const refused = await rateLimited(embed());
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const onlyAuto = createKey({ routers: ['auto'] });
    const forbidden: unknown = await openai(onlyAuto).embeddings.create({ model: 'emb', input: 'x' }).then(() => undefined, (thrown: unknown) => thrown);
    expect(forbidden).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });
});

describe('allow lists', () => {
  it('a key limited to routers: [auto] gets a 403 naming what it may use, in the OpenAI and Anthropic shapes', async () => {
    const key = createKey({ routers: ['auto'] });
    await ask(key);
    const message = 'This key may use the router auto and no concrete model; it asked for "strong".';
    const error: unknown = await ask(key, 'hello', 'strong').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('model_not_allowed');
    expect((error as Error).message).toContain(message);
    const anthropicError: unknown = await anthropic(key)
      .messages.create({ model: 'strong', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(anthropicError).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const body = (anthropicError as InstanceType<typeof Anthropic.PermissionDeniedError>).error as { error: { type: string; message: string } };
    expect(body.error).toEqual({ type: 'permission_error', message });
  });
});

describe('GET /v1/usage', () => {
  const usage = async (key: string, query = ''): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${gateway.url}/v1/usage${query}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('shows a key its own window, limits and refusals; the admin every key and team; a static key nothing', async () => {
    const { secret, key } = keys.create({ name: 'usage-app', team: 'ops', limits: { rpm: 1, budget: { usd: 5, period: 'month' } } });
    const other = createKey({ limits: { rpm: 5 } });
    await ask(other);
    expect((await usage(secret)).body).toEqual({
      object: 'usage',
      keys: [
        {
          id: key.id,
          name: 'usage-app',
          team: 'ops',
          limits: { rpm: 1, tpm: null, max_concurrent: null, budget: { usd: 5, period: 'month' } },
          window: { requests: 0, tokens: 0, in_flight: 0 },
          refused: { rate_limited: 0, budget_exceeded: 0 },
          budget: { scope: 'key', id: key.id, limit_usd: 5, spent_usd: 0, reserved_usd: 0, fraction: 0, period: 'month', period_end: expect.stringMatching(/^\d{4}-\d\d-01T00:00:00\.000Z$/) },
        },
      ],
      teams: [
        {
          id: 'ops',
          limits: { rpm: 100, tpm: null, max_concurrent: 10, budget: { usd: 100, period: 'month' } },
          window: { requests: 0, tokens: 0, in_flight: 0 },
          refused: { rate_limited: 0, budget_exceeded: 0 },
          budget: expect.objectContaining({ scope: 'team', id: 'ops', limit_usd: 100, spent_usd: 0 }),
        },
      ],
    });
    await ask(secret);
    await rateLimited(ask(secret));
    const own = (await usage(secret)).body['keys'] as { window: unknown; refused: unknown }[];
    expect(own[0]?.window).toMatchObject({ requests: 1, in_flight: 0 });
    expect(own[0]?.refused).toEqual({ rate_limited: 1, budget_exceeded: 0 });

    const all = await usage(ADMIN_KEY);
    expect(all.status).toBe(200);
    const names = (all.body['keys'] as { name: string }[]).map((entry) => entry.name);
    // Every key of the store, those without traffic too.
    expect(names.sort()).toEqual(keys.list().map((entry) => entry.name).sort());
    const filtered = await usage(ADMIN_KEY, '?key=usage-app');
    expect((filtered.body['keys'] as { id: string }[]).map((entry) => entry.id)).toEqual([key.id]);
    const team = await usage(ADMIN_KEY, '?team=shared');
    const teamKeys = team.body['keys'] as { team: string; window: { requests: number } }[];
    expect(teamKeys.map((entry) => `${entry.team}:${entry.window.requests}`).sort()).toEqual(['shared:1', 'shared:2']);
    expect(team.body['teams']).toEqual([{ id: 'shared', limits: { rpm: 3, tpm: null, max_concurrent: null, budget: null }, window: { requests: 3, tokens: expect.any(Number), in_flight: 0 }, refused: { rate_limited: 2, budget_exceeded: 0 }, budget: null }]);

    // A budget refusal (the ledger's) is counted too.
    const { secret: poor, key: poorKey } = keys.create({ name: 'poor-app', limits: { budget: { usd: 0.000001, period: 'day' } } });
    const overBudget = await rateLimited(ask(poor));
    expect(overBudget.code).toBe('budget_exceeded');
    const poorUsage = await usage(ADMIN_KEY, `?key=${poorKey.id}`);
    expect(poorUsage.body['keys']).toEqual([expect.objectContaining({ name: 'poor-app', refused: { rate_limited: 0, budget_exceeded: 1 }, window: { requests: 1, tokens: 0, in_flight: 0 } })]);

    const refused = await usage(STATIC_KEY);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'admin_only' } });
  });
});
