// In a file of its own: it needs a process where nothing has loaded the tokenizer yet.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import { tokenizerLoaded } from '../tokens/count-tokens.js';
import { Routing } from './routing.js';

const routing = new Routing(
  parseConfig(
    `
providers:
  main: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: k }
models:
  small: { provider: main, price: { input: 1, output: 1 }, context_window: 128000 }
`,
    'test.yaml',
    { env: {} },
  ),
);

describe('the context-window check before the tokenizer has loaded', () => {
  it('does not load the tokenizer for a prompt far from every window', async () => {
    const result = await routing.route(createChatRequest('small', 'What is the capital of Japan?'));
    expect(result.steps.flatMap((step) => step.specs.map((spec) => spec.name))).toEqual(['small']);
    expect(tokenizerLoaded()).toBe(false);
  });

  it('waits for the tokenizer to count the first prompt that may overrun a window, rather than guess', async () => {
    // 600,000 "a" are 75,000 tokens; a guess from the length (4 characters a token) makes 150,000, over the window.
    const result = await routing.route(createChatRequest('small', 'a'.repeat(600_000)));
    expect(result.decision.filtered).toEqual([]);
    expect(result.steps.flatMap((step) => step.specs.map((spec) => spec.name))).toEqual(['small']);
    // 75,000 + the role's token + 3 of framing for the message and 3 for the reply; a run of one letter
    // has no piece end to cut it at, so each of the worker's 32 K slices may move the count by a token.
    expect(result.decision.promptTokens?.method).toBe('counted');
    expect(Math.abs((result.decision.promptTokens?.tokens ?? 0) - 75_007)).toBeLessThanOrEqual(Math.ceil(600_000 / 32_768));
    // Counted by the counter's worker: the event loop never loaded the tokenizer.
    expect(tokenizerLoaded()).toBe(false);
  });
});
