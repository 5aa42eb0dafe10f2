import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatRequest } from '../spec/create-chat-request.js';
import { loadTokenizer } from './count-tokens.js';
import { countPromptTokens, estimatePromptTokens, estimateUsage, promptTokenBounds } from './estimate-usage.js';
import { tokenCounter } from './token-counter.js';

beforeAll(async () => {
  await loadTokenizer();
});

afterAll(async () => {
  await tokenCounter.terminate();
});

const requests = [
  createChatRequest('m', 'hello'),
  createChatRequest('m', 'The quick brown fox jumps over the lazy dog. '.repeat(500)),
  createChatRequest('m', ' '.repeat(10_000)),
  createChatRequest('m', '漢字かな交じり文、日本語の文章です。'.repeat(100)),
  createChatRequest('m', [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/x.png' } }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'look', arguments: '{"at":"x"}' } }] },
  ], { tools: [{ type: 'function', function: { name: 'look', parameters: { type: 'object' } } }] }),
];

describe('prompt token bounds and counts', () => {
  it('bound the count from below and above, from the bytes or the lengths alone', () => {
    for (const request of requests) {
      const tokens = estimatePromptTokens(request);
      const bytes = promptTokenBounds(request, 'bytes');
      const chars = promptTokenBounds(request, 'chars');
      expect(bytes.lower).toBeLessThanOrEqual(tokens);
      expect(bytes.upper).toBeGreaterThanOrEqual(tokens);
      // From the lengths alone: looser still.
      expect(chars.lower).toBeLessThanOrEqual(bytes.lower);
      expect(chars.upper).toBeGreaterThanOrEqual(bytes.upper);
    }
  });

  it('counts off the event loop exactly what this thread counts, once per request', async () => {
    for (const request of requests) {
      const counted = countPromptTokens(request);
      expect(countPromptTokens(request)).toBe(counted);
      expect(await counted).toEqual({ tokens: estimatePromptTokens(request), exact: true });
    }
  });

  it('estimates the usage of an answer that reported none, marked as estimated', async () => {
    const request = requests[1] as (typeof requests)[number];
    expect(await estimateUsage(request, 'Four words of answer.')).toEqual({
      inputTokens: estimatePromptTokens(request),
      cachedInputTokens: undefined,
      cacheWriteTokens: undefined,
      outputTokens: 5,
      reasoningTokens: undefined,
      estimated: true,
    });
  });
});
