import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { ConfigError } from '../errors/config-error.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import { countPromptTokens } from '../tokens/estimate-usage.js';
import { Routing } from './routing.js';
import { tokensForRules } from './tokens-for-rules.js';

// `min_tokens` / `max_tokens`: the prompt's size decides a route; only a prompt near a threshold is counted.

const CONFIG = `
providers:
  fake: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-x" }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 } }
  long:   { provider: fake, model: long-wire,   price: { input: 1, output: 4 }, context_window: 1000000 }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 } }
routers:
  agent:
    routes:
      reads: { when: { min_tokens: 2000 }, target: long }
      short: { when: { all: [{ max_tokens: 50 }, { not: { has_tools: true } }] }, target: cheap }
    default: strong
`;

const routing = new Routing(parseConfig(CONFIG, 'test.yaml', { env: {} }));
/** About one token per word. */
const words = (count: number): string => 'word '.repeat(count);

describe('tokensForRules', () => {
  it('answers from the bounds when no threshold lies between them, and counts otherwise', async () => {
    expect(await tokensForRules(createChatRequest('agent', 'hi'), [2000, 50])).toEqual({ tokens: expect.any(Number), exact: false });
    const near = createChatRequest('agent', words(1990));
    expect(await tokensForRules(near, [2000])).toEqual({ tokens: (await countPromptTokens(near)).tokens, exact: true });
  });
});

describe('min_tokens and max_tokens conditions', () => {
  it('send a short prompt by max_tokens and a long one by min_tokens', async () => {
    expect((await routing.route(createChatRequest('agent', 'hi'))).decision).toMatchObject({ route: 'short', signals: [{ signal: 'tokens', route: 'short', exact: false }] });
    expect((await routing.route(createChatRequest('agent', words(60_000)))).decision).toMatchObject({ route: 'reads', signals: [{ signal: 'tokens', route: 'reads', exact: false }] });
  });

  it('count a prompt near a threshold exactly, on both sides of it', async () => {
    const under = (await routing.route(createChatRequest('agent', words(1900)))).decision;
    expect(under.route).toBe('default');
    const over = (await routing.route(createChatRequest('agent', words(2100)))).decision;
    expect(over).toMatchObject({ route: 'reads', signals: [{ signal: 'tokens', route: 'reads', exact: true }] });
    expect(over.signals[0]).toMatchObject({ tokens: (await countPromptTokens(createChatRequest('agent', words(2100)))).tokens });
  });

  it('reject min_tokens above max_tokens in the config, at the key', () => {
    const yaml = CONFIG.replace('{ min_tokens: 2000 }', '{ min_tokens: 2000, max_tokens: 100 }');
    let error: unknown;
    try {
      parseConfig(yaml, 'test.yaml', { env: {} });
    } catch (thrown) {
      error = thrown;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues).toMatchObject([{ path: 'routers.agent.routes.reads.when.max_tokens', message: expect.stringContaining('expected min_tokens <= max_tokens') }]);
  });
});
