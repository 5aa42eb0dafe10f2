import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

// A coding agent's own model names routed without touching its settings: `model_aliases` sends
// every `claude-*` to the router `auto`, whose routes read what agent traffic carries.

let upstream: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 }, capabilities: { tools: true, vision: true } }
  coder:  { provider: fake, model: coder-wire,  price: { input: 0.27, output: 1.1 }, capabilities: { tools: true, vision: true } }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 }, capabilities: { tools: true, vision: true } }
routers:
  auto:
    reference: strong
    routes:
      background: { when: { requested_model: "claude-*haiku*" }, target: cheap }
      agent:      { when: { has_tools: true }, target: coder }
      reasoning:  { when: { any: [{ thinking: true }, { has_images: true }] }, target: strong }
    default: cheap
model_aliases:
  "claude-*": auto
`);
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

afterEach(() => {
  upstream.requests.length = 0;
  upstream.respond((request) => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])) }));
});

function decisionOf(response: Response) {
  return gateway.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '')?.decision;
}

const readFile = { type: 'function' as const, function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } };

describe('routing a coding agent by its own model names', () => {
  it('routes a background call (claude-3-5-haiku-latest, aliased to auto) by requested_model to the cheap model', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'claude-3-5-haiku-latest', messages: [{ role: 'user', content: 'Summarize this title' }] }).withResponse();
    expect(response.headers.get('x-switchyard-router')).toBe('auto');
    expect(response.headers.get('x-switchyard-route')).toBe('background');
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    expect(data.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['cheap-wire']);
    // The Decision keeps the name the client sent and says which glob fired.
    expect(decisionOf(response)).toMatchObject({
      requested: 'claude-3-5-haiku-latest',
      router: 'auto',
      route: 'background',
      signals: [{ signal: 'requested_model', route: 'background', glob: 'claude-*haiku*' }],
    });
  });

  it('routes the main loop with tools by has_tools to another model', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'claude-opus-4-8', messages: [{ role: 'user', content: 'Fix the failing test' }], tools: [readFile] })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe('agent');
    expect(response.headers.get('x-switchyard-model')).toBe('coder');
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['coder-wire']);
    expect(decisionOf(response)).toMatchObject({ requested: 'claude-opus-4-8', signals: [{ signal: 'has_tools', route: 'agent', value: true }] });
  });

  it('routes a request asking for reasoning, or with an image, by thinking and has_images', async () => {
    const thinking = await client.chat.completions
      .create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Plan the refactor' }], reasoning_effort: 'high' })
      .withResponse();
    expect(thinking.response.headers.get('x-switchyard-route')).toBe('reasoning');
    expect(decisionOf(thinking.response)?.signals).toEqual([{ signal: 'thinking', route: 'reasoning', value: true }]);

    const image = await client.chat.completions
      .create({
        model: 'claude-sonnet-4-6',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What does this screenshot show?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
      })
      .withResponse();
    expect(image.response.headers.get('x-switchyard-route')).toBe('reasoning');
    expect(decisionOf(image.response)?.signals).toEqual([{ signal: 'has_images', route: 'reasoning', value: true }]);

    const plain = await client.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Rename this variable' }] }).withResponse();
    expect(plain.response.headers.get('x-switchyard-route')).toBe('default');
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['strong-wire', 'strong-wire', 'cheap-wire']);
  });

  it('still answers 404 model_not_found for a name that is no router, model or alias', async () => {
    const failed = await client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.NotFoundError);
    expect((failed as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect(upstream.requests).toHaveLength(0);
  });
});
