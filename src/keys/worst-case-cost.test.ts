import { describe, expect, it } from 'vitest';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../spec/reliability.js';
import { DEFAULT_MAX_OUTPUT_TOKENS, worstCaseMicros } from './worst-case-cost.js';

const model = (name: string, input: number, output: number, maxOutput: number | undefined): ModelSpec => ({
  name,
  provider: 'fake',
  wireModel: name,
  price: { input, cachedInput: undefined, cacheWrite: undefined, output },
  contextWindow: undefined,
  maxOutput,
  capabilities: { tools: undefined, jsonSchema: undefined, vision: undefined, streaming: undefined, reasoning: undefined, builtinTools: undefined },
  reliability: DEFAULT_RELIABILITY,
  origin: 'config',
});

// "héllo": 6 UTF-8 bytes, "user" 4, framing 6: at most 16 prompt tokens.
const PROMPT = 16;

describe('worstCaseMicros', () => {
  it('prices the prompt bytes and max_tokens at the dearest candidate, rounded up', () => {
    const request = createChatRequest('auto', 'héllo', { maxOutputTokens: 100 });
    expect(worstCaseMicros([{ specs: [model('cheap', 0.15, 0.6, 8_000), model('strong', 3, 15, 8_000)] }], request)).toBe(PROMPT * 3 + 100 * 15);
    expect(worstCaseMicros([{ specs: [model('cheap', 0.15, 0.6, 8_000)] }], request)).toBe(Math.ceil(PROMPT * 0.15 + 100 * 0.6));
  });

  it('without max_tokens, counts the model\'s maximum output, else the default', () => {
    const request = createChatRequest('auto', 'héllo');
    expect(worstCaseMicros([{ specs: [model('a', 1, 10, 2_000)] }], request)).toBe(PROMPT + 2_000 * 10);
    expect(worstCaseMicros([{ specs: [model('b', 1, 10, undefined)] }], request)).toBe(PROMPT + DEFAULT_MAX_OUTPUT_TOKENS * 10);
    expect(worstCaseMicros([], request)).toBeUndefined();
  });

  it('sums the dearest model of each step: a cascade may call every step, a parallel policy calls every branch', () => {
    const request = createChatRequest('auto', 'héllo', { maxOutputTokens: 100 });
    const steps = [{ specs: [model('cheap', 0.15, 0.6, 8_000)] }, { specs: [model('strong', 3, 15, 8_000), model('backup', 1, 5, 8_000)] }];
    expect(worstCaseMicros(steps, request)).toBe(Math.ceil(PROMPT * 0.15 + 100 * 0.6 + PROMPT * 3 + 100 * 15));
  });
});
