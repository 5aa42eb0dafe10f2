import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../test/support/fake-openai-upstream.js';
import { redisMissing, startRedis, type RedisServer } from '../../test/support/local-servers.js';
import { parseConfig } from '../config/load-config.js';
import { Gateway } from '../gateway/gateway.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import { RedisState } from './redis-state.js';
import { SharedCache } from './shared-cache.js';

/** Two gateways (in this process) with an LLM classifier and an embeddings encoder, on one Redis: one gateway's call serves the other. */
describe.skipIf(redisMissing !== undefined)('classifier answers and request embeddings shared through Redis', () => {
  let redis: RedisServer;
  let upstream: FakeUpstream;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-shared-cache-'));
    [redis, upstream] = await Promise.all([startRedis(), startFakeUpstream()]);
    upstream.respond((request) =>
      request.path.endsWith('/embeddings') ? { type: 'embedding' } : { type: 'completion', text: request.body?.['model'] === 'clf-wire' ? 'code' : 'fine' },
    );
  });
  afterAll(async () => {
    await Promise.all([redis.stop(), upstream.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const yaml = (): string => `
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  cheap: { provider: fake, model: cheap-wire, price: { input: 0.15, output: 0.6 } }
  coder: { provider: fake, model: coder-wire, price: { input: 0.27, output: 1.1 } }
  clf:   { provider: fake, model: clf-wire,   price: { input: 0.15, output: 0.6 } }
  emb:   { provider: fake, model: emb-wire,   price: { input: 0.02, output: 0 } }
storage: { path: ${JSON.stringify(join(dir, 'switchyard.db'))} }
routers:
  semantic:
    encoder: { model: emb, timeout_ms: 2000 }
    routes:
      code: { when: { examples: ["Fix my python function", "Why does this code crash"] }, target: coder }
    default: cheap
  llm:
    classifier: { type: llm, model: clf, timeout_ms: 2000 }
    routes:
      code: { description: "Programming questions", target: coder }
    default: cheap
`;

  async function gateway(url: string, states: RedisState[]): Promise<Gateway> {
    const state = new RedisState({ url, keyPrefix: 'cache-test:', timeoutMs: 200, leaseMs: 30_000 });
    states.push(state);
    await state.ready(url === redis.url ? 2_000 : 100);
    return Gateway.create(parseConfig(yaml(), 'test.yaml'), { sharedAnswers: new SharedCache(state) });
  }

  const classify = async (running: Gateway, text: string) => (await running.route(createChatRequest('llm', text))).decision.classification;
  const classifierCalls = (): number => upstream.requestsFor('clf-wire').length;

  it("a text one gateway classified is 'cached' on the other, without a classifier call; no prompt text is written to Redis", async () => {
    const states: RedisState[] = [];
    const [a, b] = [await gateway(redis.url, states), await gateway(redis.url, states)];
    try {
      const before = classifierCalls();
      expect(await classify(a, 'why does my loop never end?')).toMatchObject({ outcome: 'ok', label: 'code' });
      expect(classifierCalls()).toBe(before + 1);
      await expect.poll(async () => (await classify(b, 'why does my loop never end?'))?.outcome).toBe('cached');
      expect(classifierCalls()).toBe(before + 1);
      const admin = new Redis(redis.url);
      const keys = await admin.keys('cache-test:cache:*');
      admin.disconnect();
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain('loop');
    } finally {
      await Promise.all([a.close(), b.close(), ...states.map((state) => state.close())]);
    }
  });

  it("a request one gateway embedded is 'cached' on the other, with the same scores, without an embeddings call", async () => {
    const states: RedisState[] = [];
    const [a, b] = [await gateway(redis.url, states), await gateway(redis.url, states)];
    const embeddingCalls = (): number => upstream.requests.filter((request) => request.path.endsWith('/embeddings')).length;
    try {
      const similarity = async (running: Gateway) => (await running.route(createChatRequest('semantic', 'my python code crashes'))).decision.similarity;
      const before = embeddingCalls();
      const first = await similarity(a);
      expect(first).toMatchObject({ encoder: 'emb', outcome: 'ok' });
      expect(embeddingCalls()).toBe(before + 1);
      await expect.poll(async () => (await similarity(b))?.outcome).toBe('cached');
      expect((await similarity(b))?.scores).toEqual(first?.scores);
      expect(embeddingCalls()).toBe(before + 1);
    } finally {
      await Promise.all([a.close(), b.close(), ...states.map((state) => state.close())]);
    }
  });

  it('Redis away: each gateway classifies on its own (fail open) and counts the misses', async () => {
    const states: RedisState[] = [];
    const [a, b] = [await gateway('redis://127.0.0.1:1', states), await gateway('redis://127.0.0.1:1', states)];
    try {
      const before = classifierCalls();
      expect(await classify(a, 'how do I reverse a list?')).toMatchObject({ outcome: 'ok', label: 'code' });
      expect(await classify(b, 'how do I reverse a list?')).toMatchObject({ outcome: 'ok', label: 'code' });
      expect(classifierCalls()).toBe(before + 2);
      // Each: its read failed, and its write.
      await expect.poll(() => states.map((state) => state.fallbacks().get('caches'))).toEqual([2, 2]);
    } finally {
      await Promise.all([a.close(), b.close(), ...states.map((state) => state.close())]);
    }
  });
});
