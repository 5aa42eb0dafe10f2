import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * A Claude Code-shaped session (built from the SDK's types: system blocks with cache_control, a
 * dozen tools with input_schema, tool_use / tool_result turns, thinking, streaming) routed by the
 * names Claude Code asks for and by the prompt's size to three different models, each answer coming
 * back well-formed in Anthropic's dialect.
 */

let upstream: FakeUpstream;
let running: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.respond((request) => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])) }));
  running = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 }, context_window: 200000, capabilities: { tools: true } }
  long:   { provider: fake, model: long-wire,   price: { input: 1, output: 4 }, context_window: 1000000, capabilities: { tools: true } }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 }, context_window: 200000, capabilities: { tools: true, reasoning: true } }
model_aliases:
  "claude-*": claude-code
routers:
  claude-code:
    reference: strong
    routes:
      background: { when: { requested_model: "claude-*haiku*" }, target: cheap }
      long_reads: { when: { min_tokens: 20000 }, target: long }
    default: strong
`);
  client = new Anthropic({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

const cache = { type: 'ephemeral' } as const;
const system: Anthropic.TextBlockParam[] = [
  { type: 'text', text: 'You are Claude Code, an interactive CLI tool.', cache_control: cache },
  { type: 'text', text: 'Follow the repository conventions.', cache_control: cache },
];
const tools: Anthropic.Tool[] = ['Bash', 'Read', 'Edit', 'Write', 'Glob', 'Grep', 'LS', 'WebFetch', 'TodoWrite', 'Task', 'NotebookEdit', 'MultiEdit'].map((name, index) => ({
  name,
  description: `The ${name} tool.`,
  input_schema: { type: 'object', properties: { arg: { type: 'string' } }, required: ['arg'] },
  ...(index === 11 ? { cache_control: cache } : {}),
}));

/** The main loop's conversation after one tool round trip; `result` is what the Read tool returned. */
function mainLoop(result: string): Anthropic.MessageParam[] {
  return [
    { role: 'user', content: [{ type: 'text', text: 'Why does the build fail?', cache_control: cache }] },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Read the build log first.', signature: 'sig-a' },
        { type: 'tool_use', id: 'toolu_01', name: 'Read', input: { arg: 'build.log' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: result }] },
  ];
}

async function turn(model: string, messages: Anthropic.MessageParam[]): Promise<{ message: Anthropic.Message; served: string | null }> {
  const stream = client.messages.stream({ model, max_tokens: 32000, system, tools, thinking: { type: 'enabled', budget_tokens: 4000 }, messages });
  const { response } = await stream.withResponse();
  return { message: await stream.finalMessage(), served: response.headers.get('x-switchyard-model') };
}

describe('a Claude Code-shaped session', () => {
  it('goes to three models by requested_model and min_tokens, each answer well-formed', async () => {
    const background = await turn('claude-haiku-4-5-20251001', [{ role: 'user', content: 'Write a 5-word title for: fix the build' }]);
    const main = await turn('claude-opus-4-8', mainLoop('error: missing semicolon at line 3'));
    const longRead = await turn('claude-opus-4-8', mainLoop('log line with details\n'.repeat(8000)));

    expect([background.served, main.served, longRead.served]).toEqual(['cheap', 'strong', 'long']);
    for (const [{ message }, wire] of [
      [background, 'cheap-wire'],
      [main, 'strong-wire'],
      [longRead, 'long-wire'],
    ] as const) {
      expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: defaultReply(wire) }] });
      expect(message.usage.output_tokens).toBeGreaterThan(0);
    }
    const routes = running.gateway.traces.list().slice(0, 3).map((trace) => [trace.requested, trace.route]);
    expect(routes.reverse()).toEqual([
      ['claude-haiku-4-5-20251001', 'background'],
      ['claude-opus-4-8', 'default'],
      ['claude-opus-4-8', 'long_reads'],
    ]);
  });
});
