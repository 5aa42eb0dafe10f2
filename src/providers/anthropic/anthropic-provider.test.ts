import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropicUpstream, type FakeAnthropicUpstream } from '../../../test/support/fake-anthropic-upstream.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../../spec/reliability.js';
import { Cancellation } from '../../util/cancellation.js';
import { createAnthropicProvider } from './anthropic-provider.js';

const KEY = 'sk-ant-provider-test-0123456789';
let upstream: FakeAnthropicUpstream;

beforeAll(async () => {
  upstream = await startFakeAnthropicUpstream({ apiKey: KEY });
});

afterAll(async () => {
  await upstream.close();
});

const spec: ModelSpec = {
  name: 'haiku',
  provider: 'claude',
  wireModel: 'claude-haiku-4-5',
  price: { input: 1, cachedInput: 0.1, cacheWrite: 1.25, output: 5 },
  contextWindow: 200000,
  maxOutput: 64000,
  capabilities: { tools: true, jsonSchema: true, vision: true, streaming: true, reasoning: true, builtinTools: false },
  reliability: DEFAULT_RELIABILITY,
  origin: 'config',
};

describe('createAnthropicProvider', () => {
  it("adds a request's betas to the configured ones, and lets no request set the key or the version", async () => {
    const provider = createAnthropicProvider({
      type: 'anthropic',
      name: 'claude',
      disabled: undefined,
      reliability: { retry: {}, timeout: {}, circuitBreaker: {} },
      upstreamUrl: upstream.url,
      baseUrl: upstream.url,
      apiKey: KEY,
      version: '2023-06-01',
      promptCaching: 'off',
      headers: { 'Anthropic-Beta': 'configured-beta' },
      maxConnections: 4,
      maxResponseBytes: 1024 * 1024,
    });
    try {
      const request = createChatRequest('haiku', 'hi', {
        dialect: 'anthropic',
        dialectHeaders: { 'anthropic-beta': 'client-beta, configured-beta', 'x-api-key': 'client-key', 'anthropic-version': '1999-01-01' },
      });
      const cancellation = Cancellation.NEVER;
      const result = await provider.languageModel(spec).doGenerate(request, { signal: cancellation.signal, cancellation });
      expect(result.choices[0]?.message.content).toBe('Reply from claude-haiku-4-5.');
      const sent = upstream.requests.at(-1);
      expect(sent?.betas).toEqual(['configured-beta', 'client-beta']);
      expect(sent?.headers['x-api-key']).toBe(KEY);
      expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    } finally {
      await provider.close();
    }
  });
});
