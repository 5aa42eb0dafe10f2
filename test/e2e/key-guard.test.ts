import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/config-error.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { KeyView } from '../../src/keys/key-view.js';
import type { SqliteKeyStore } from '../../src/keys/sqlite-key-store.js';
import type { VirtualKeyInput } from '../../src/keys/virtual-key.js';
import { defaultReply, startFakeUpstream, type FakeResponse, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { rejection } from '../support/rejection.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Keys whose policy requires a safety guard (their own `require_guard`, or their team's): only
 * the routers with a `guard` answer them. The guard model (wire id `guard-wire`) plays Llama
 * Guard on the fake upstream: "steal" is `unsafe\nS2`, anything else `safe`.
 */

const GUARD = 'guard-wire';
const ADMIN_KEY = 'admin-gateway-key-0123456789';
const BLOCKED = 'Blocked by the safety check.';

let upstream: FakeUpstream;
let gateway: TestGateway;
let keys: SqliteKeyStore;

function config(path: string): string {
  return `
server:
  admin_keys: ["${ADMIN_KEY}"]
storage:
  path: "${path}"
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 }, context_window: 200000 }
  guard:  { provider: fake, model: ${GUARD},    price: { input: 0.2, output: 0.2 }, context_window: 128000 }
  emb:    { provider: fake, model: emb-wire,    price: { input: 0.02 }, embedding: { dimensions: 64 } }
routers:
  safe:
    guard: { model: guard, categories: [S1, S2], on_unsafe: block, block_message: "${BLOCKED}", fail: closed }
    default: cheap
  plain:
    default: strong
teams:
  careful: { require_guard: true }
  relaxed: { rpm: 100 }
`;
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startGateway(config(join(mkdtempSync(join(tmpdir(), 'switchyard-key-guard-')), 'traces.db')), {}, { store: true, virtualKeys: true });
  keys = gateway.keys as SqliteKeyStore;
  upstream.respond(scripted);
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

afterEach(() => {
  upstream.requests.length = 0;
});

function scripted(request: RecordedRequest): FakeResponse {
  if (request.path.endsWith('/embeddings')) return { type: 'embedding' };
  const model = String(request.body?.['model']);
  if (model !== GUARD) return { type: 'completion', text: defaultReply(model) };
  const prompt = JSON.stringify(request.body?.['messages']);
  return { type: 'completion', text: prompt.includes('steal') ? 'unsafe\nS2' : 'safe', usage: { prompt_tokens: 300, completion_tokens: 2 } };
}

let created = 0;
function createKey(input: Omit<VirtualKeyInput, 'name'>): string {
  return keys.create({ name: `guarded-${++created}`, ...input }).secret;
}

const openai = (key: string): OpenAI => new OpenAI({ baseURL: gateway.baseURL, apiKey: key, maxRetries: 0 });
const anthropic = (key: string): Anthropic => new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0 });
const ask = (key: string, model: string, content = 'hello') => openai(key).chat.completions.create({ model, messages: [{ role: 'user', content }] });
const wireModels = () => upstream.requests.map((request) => request.body?.['model']);
const refusal = (model: string) => `This key must go through a safety guard: use a router with one (safe); "${model}" has none.`;

const forbidden = (promise: Promise<unknown>) => rejection(promise, OpenAI.PermissionDeniedError);

describe('a key whose policy requires a safety guard', () => {
  it('is answered through a guarded router, the guard asked first, and blocked by it when unsafe', async () => {
    const key = createKey({ requireGuard: true });
    const answer = await ask(key, 'safe');
    expect(answer.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    expect(wireModels()).toEqual([GUARD, 'cheap-wire']);
    upstream.requests.length = 0;
    const blocked = await ask(key, 'safe', 'how do I steal a car');
    expect(blocked.choices[0]?.message.content).toBe(BLOCKED);
    expect(wireModels()).toEqual([GUARD]);
  });

  it('gets a 403 model_not_allowed for a concrete model and for a router without a guard, in the OpenAI and Anthropic shapes; nothing reaches the upstream', async () => {
    const key = createKey({ requireGuard: true });
    for (const model of ['strong', 'plain']) {
      const error = await forbidden(ask(key, model));
      expect(error.status).toBe(403);
      expect(error.code).toBe('model_not_allowed');
      expect(error.message).toContain(refusal(model));
    }
    const anthropicError: unknown = await anthropic(key)
      .messages.create({ model: 'strong', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(anthropicError).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const body = (anthropicError as InstanceType<typeof Anthropic.PermissionDeniedError>).error as { error: { type: string; message: string } };
    expect(body.error).toEqual({ type: 'permission_error', message: refusal('strong') });
    expect(wireModels()).toEqual([]);
  });

  it('is refused embeddings from a model without a guard; a key without the policy is not', async () => {
    const error = await forbidden(openai(createKey({ requireGuard: true })).embeddings.create({ model: 'emb', input: 'x' }));
    expect(error.message).toContain(refusal('emb'));
    const free = await openai(createKey({})).embeddings.create({ model: 'emb', input: 'x' });
    expect(free.data).toHaveLength(1);
  });

  it('binds every key of a team with require_guard: true, and no other team', async () => {
    const member = createKey({ team: 'careful' });
    expect((await ask(member, 'safe')).choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    expect((await forbidden(ask(member, 'plain'))).message).toContain(refusal('plain'));
    const other = createKey({ team: 'relaxed' });
    expect((await ask(other, 'plain')).choices[0]?.message.content).toBe(defaultReply('strong-wire'));
  });

  it('is set by the admin API (require_guard) and lifted by PATCH null at once on this instance', async () => {
    const call = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const made = await call('POST', '/admin/keys', { name: 'admin-made', require_guard: true });
    expect(made.status).toBe(201);
    const { key, secret } = made.body as { key: KeyView; secret: string };
    expect(key.require_guard).toBe(true);
    await forbidden(ask(secret, 'plain'));
    const patched = await call('PATCH', `/admin/keys/${key.id}`, { require_guard: null });
    expect(patched.body).toMatchObject({ id: key.id, require_guard: false });
    expect((await ask(secret, 'plain')).choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect((await call('PATCH', `/admin/keys/${key.id}`, { require_guard: 'yes' })).body['error']).toMatchObject({ type: 'invalid_request_error', param: 'require_guard' });
  });
});

describe('teams: require_guard in the config', () => {
  it('names the file, line and key of a value that is not a boolean', () => {
    const yaml = `models:\n  cheap: { provider: openai, model: gpt-4o-mini }\nteams:\n  careful: { require_guard: "yes" }\n`;
    let error: unknown;
    try {
      parseConfig(yaml, 'team.yaml', { env: {} });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/team\.yaml:4:\d+: teams\.careful\.require_guard: expected true or false/);
  });
});
