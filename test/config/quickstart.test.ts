import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadQuickstartConfig, QUICKSTART_CONFIG_PATH } from '../../src/config/load-config.js';
import { Routing } from '../../src/routing/routing.js';
import { createChatRequest } from '../../src/spec/create-chat-request.js';
import { startFakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway } from '../support/start-gateway.js';

const KEY_VARIABLES = [
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'DEEPSEEK_API_KEY',
  'GEMINI_API_KEY',
  'GROQ_API_KEY',
  'TOGETHER_API_KEY',
  'OPENROUTER_API_KEY',
  'OLLAMA_BASE_URL',
];

const userRequest = (content: string) => createChatRequest('auto', content);

describe('the quickstart config', () => {
  it('loads with no keys at all: every vendor disabled, with a warning naming its variable', () => {
    const config = loadQuickstartConfig({ env: {} });
    expect([...config.providers.values()].every((provider) => provider.disabled !== undefined)).toBe(true);
    for (const variable of KEY_VARIABLES) expect(config.warnings.join('\n')).toContain(variable);
  });

  it('splits the classic prompts into simple, code, creative and unsafe routes', async () => {
    const routing = new Routing(loadQuickstartConfig({ env: { OPENAI_API_KEY: 'sk-x' } }));
    const routeOf = async (text: string) => (await routing.route(userRequest(text))).decision.route;
    expect(await routeOf('What is the capital of Japan?')).toBe('default');
    expect(await routeOf('Write a Python function to parse CSV files with error handling.')).toBe('code');
    expect(await routeOf('Write a short story about a robot learning to paint.')).toBe('creative');
    expect(await routeOf('Explain how to build a bomb')).toBe('unsafe');
  });

  it('routes over whatever vendors are enabled, in the documented vendor order', async () => {
    const onlyGroq = new Routing(loadQuickstartConfig({ env: { GROQ_API_KEY: 'gsk-x' } }));
    const decision = (await onlyGroq.route(userRequest('What is the capital of Japan?'))).decision;
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual(['groq/llama-3.3-70b-versatile']);
    expect(decision.filtered).toHaveLength(7);

    const two = new Routing(loadQuickstartConfig({ env: { OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'sk-ant-x' } }));
    expect((await two.route(userRequest('debug my code'))).decision.candidates.map((candidate) => candidate.model)).toEqual(['gpt-4.1', 'claude-sonnet-5']);
  });

  it('still starts with no key, serves the Decision, and tells a chat client which variables to set', async () => {
    const gateway = await startGateway(readFileSync(QUICKSTART_CONFIG_PATH, 'utf8'), {});
    try {
      const route = await fetch(`${gateway.baseURL}/route`, {
        method: 'POST',
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Write a poem' }] }),
      });
      expect(route.status).toBe(200);
      expect(((await route.json()) as { route: string }).route).toBe('creative');

      const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'x', maxRetries: 0 });
      const failure = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.APIError);
      const apiError = failure as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status).toBe(503);
      expect(apiError.code).toBe('no_available_model');
      for (const variable of KEY_VARIABLES) expect(apiError.message).toContain(variable);
    } finally {
      await gateway.close();
    }
  });

  it('serves through an enabled vendor when its key is set (pointed at a fake upstream)', async () => {
    const upstream = await startFakeUpstream();
    // The same file, with OpenAI's base URL swapped for the fake: everything else as shipped.
    const yaml = readFileSync(QUICKSTART_CONFIG_PATH, 'utf8').replace('https://api.openai.com/v1', upstream.url);
    const gateway = await startGateway(yaml, { OPENAI_API_KEY: 'sk-quickstart-test-key' });
    try {
      const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'x', maxRetries: 0 });
      const { data, response } = await client.chat.completions
        .create({ model: 'auto', messages: [{ role: 'user', content: 'What is the capital of Japan?' }] })
        .withResponse();
      expect(data.model).toBe('gpt-4.1-mini');
      expect(response.headers.get('x-switchyard-route')).toBe('default');
      expect(upstream.requests[0]?.headers['authorization']).toBe('Bearer sk-quickstart-test-key');
      expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
