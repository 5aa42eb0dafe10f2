import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

let upstream: FakeUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // The shared test config, plus a provider whose key variable is unset and a model on it, and gateway keys.
  const yaml = testConfig(upstream.url, 'server:\n  api_keys: ["gateway-key-1", "${SECOND_GATEWAY_KEY}"]\n')
    .replace('providers:\n', 'providers:\n  remote: { type: openai, base_url: "https://example.invalid/v1", api_key: "${UNSET_REMOTE_KEY}" }\n')
    .replace('models:\n', 'models:\n  offline: { provider: remote, price: { input: 1, output: 1 } }\n');
  gateway = await startGateway(yaml, { SECOND_GATEWAY_KEY: 'gateway-key-2' });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('gateway API keys', () => {
  it('refuses a request without a key or with a wrong one, as an OpenAI 401', async () => {
    const none = await fetch(`${gateway.baseURL}/models`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'invalid_api_key', type: 'invalid_request_error' } });

    const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'wrong-key', maxRetries: 0 });
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(upstream.requests).toHaveLength(0);
  });

  it('accepts any configured key, as a Bearer token or as x-api-key', async () => {
    const first = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'gateway-key-1', maxRetries: 0 });
    const second = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'gateway-key-2', maxRetries: 0 });
    expect((await first.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })).model).toBe('cheap');
    expect((await second.models.list()).data.length).toBeGreaterThan(0);
    const viaHeader = await fetch(`${gateway.baseURL}/models`, { headers: { 'x-api-key': 'gateway-key-1' } });
    expect(viaHeader.status).toBe(200);
  });

  it('keeps /healthz open', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});

describe('GET /v1/models', () => {
  const client = () => new OpenAI({ baseURL: gateway.baseURL, apiKey: 'gateway-key-1', maxRetries: 0 });

  it('lists routers first, then the models whose provider is enabled', async () => {
    const models = await client().models.list();
    const ids = models.data.map((model) => model.id);
    expect(ids).toEqual(['auto', 'cheap', 'coder', 'strong']);
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'switchyard' });
    expect(models.data[1]).toMatchObject({ object: 'model', owned_by: 'fake' });
    // "offline" is defined, but its provider has no key.
    expect(ids).not.toContain('offline');
  });

  it('retrieves one model or router, and 404s an unknown one', async () => {
    expect((await client().models.retrieve('coder')).owned_by).toBe('fake');
    expect((await client().models.retrieve('auto')).owned_by).toBe('switchyard');
    await expect(client().models.retrieve('offline')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('answers a request for a model whose provider has no key with 503 naming the variable', async () => {
    const thrown: unknown = await client()
      .chat.completions.create({ model: 'offline', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(OpenAI.APIError);
    const failure = thrown as InstanceType<typeof OpenAI.APIError>;
    expect(failure.status).toBe(503);
    expect(failure.message).toContain('Set UNSET_REMOTE_KEY');
    expect(failure.headers?.get('x-should-retry')).toBe('false');
  });
});
