import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_MODELS } from '../../src/catalog/builtin-catalog.js';
import { formatCost } from '../../src/cost/compute-cost.js';
import { startFakeAnthropicUpstream, type FakeAnthropicUpstream } from '../support/fake-anthropic-upstream.js';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Anthropic in, Anthropic out: the unmodified `@anthropic-ai/sdk` against the gateway, served by a
 * `type: anthropic` model on the fake Anthropic upstream. Within one dialect nothing is lost (cache
 * breakpoints, thinking signatures, documents, betas, dialect fields reach the upstream as sent),
 * a cached turn is priced as Anthropic bills it, and a first model that is overloaded before its
 * first byte is replaced by an OpenAI-compatible one without the client noticing.
 */

const HAIKU = BUILTIN_MODELS['claude-haiku-4-5'];
const KEY = 'sk-ant-api03-both-ways-0123456789';

let anthropic: FakeAnthropicUpstream;
let openaiUpstream: FakeUpstream;
let running: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  anthropic = await startFakeAnthropicUpstream({ apiKey: KEY });
  openaiUpstream = await startFakeUpstream();
  running = await startGateway(`
providers:
  anthropic: { type: anthropic, base_url: "${anthropic.url}", api_key: "${KEY}", prompt_caching: off, retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
  fake: { type: openai, base_url: "${openaiUpstream.url}", api_key: "sk-openai-0000", retry: { max_attempts: 1 } }
models:
  claude-haiku-4-5: {}
  backup: { provider: fake, model: backup-wire, price: { input: 1, output: 2 } }
routers:
  agent:
    default: { fallback: [claude-haiku-4-5, backup] }
`);
  client = new Anthropic({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await running?.close();
  await anthropic?.close();
  await openaiUpstream?.close();
});

beforeEach(() => {
  anthropic.requests.length = 0;
  anthropic.clearCache();
  anthropic.respond({ type: 'message' });
  openaiUpstream.requests.length = 0;
  openaiUpstream.respond((request) => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])) }));
});

const cache = { type: 'ephemeral' } as const;
const PDF = Buffer.from('%PDF-1.4 fake').toString('base64');

describe('Anthropic in, Anthropic out', () => {
  it('forwards what the client sent that only Anthropic understands, as it was sent', async () => {
    const turn = {
      model: 'agent',
      max_tokens: 1024,
      betas: ['interleaved-thinking-2025-05-14'],
      system: [{ type: 'text', text: 'You are terse.', cache_control: cache }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      metadata: { user_id: 'u-1' },
      tools: [{ name: 'Read', input_schema: { type: 'object', properties: { path: { type: 'string' } } }, cache_control: cache }],
      messages: [
        { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } }, { type: 'text', text: 'Summarize.', cache_control: cache }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Read it first.', signature: 'sig-1' }, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.pdf' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok', is_error: false }] },
      ],
    } as unknown as Anthropic.Beta.MessageCreateParamsNonStreaming;
    const message = await client.beta.messages.create(turn);
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Reply from claude-haiku-4-5.' })]);

    const sent = anthropic.requests[0];
    expect(sent?.betas).toContain('interleaved-thinking-2025-05-14');
    expect(sent?.body).toMatchObject({
      model: 'claude-haiku-4-5',
      system: [{ type: 'text', text: 'You are terse.', cache_control: cache }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      metadata: { user_id: 'u-1' },
      tools: [expect.objectContaining({ name: 'Read', cache_control: cache })],
      messages: [
        { role: 'user', content: [expect.objectContaining({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } }), { type: 'text', text: 'Summarize.', cache_control: cache }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Read it first.', signature: 'sig-1' }, expect.objectContaining({ type: 'tool_use', id: 'toolu_1', input: { path: 'a.pdf' } })] },
        { role: 'user', content: [expect.objectContaining({ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' })] },
      ],
    });
  });

  it('streams thinking with its signature and a tool call back well-formed', async () => {
    anthropic.respond({
      type: 'message',
      content: [
        { type: 'thinking', thinking: 'The user wants the file.', signature: 'sig-2' },
        { type: 'tool_use', id: 'toolu_2', name: 'Read', input: { path: 'b.txt' } },
      ],
    });
    const stream = client.messages.stream({
      model: 'agent',
      max_tokens: 512,
      tools: [{ name: 'Read', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'Open b.txt' }],
    });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'The user wants the file.', signature: 'sig-2' }),
      expect.objectContaining({ type: 'tool_use', id: 'toolu_2', name: 'Read', input: { path: 'b.txt' } }),
    ]);
  });

  it('prices a cached turn with cache reads and writes at the catalog prices', async () => {
    const conversation: Anthropic.MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: 'A long shared prefix. '.repeat(50), cache_control: cache }] }];
    await client.messages.create({ model: 'agent', max_tokens: 100, messages: conversation });
    conversation.push({ role: 'assistant', content: 'ok' }, { role: 'user', content: 'And then?' });
    const { data, response } = await client.messages.create({ model: 'agent', max_tokens: 100, messages: conversation }).withResponse();

    const usage = anthropic.requests[1]?.usage;
    expect(usage?.cache_read_input_tokens).toBeGreaterThan(0);
    expect(data.usage).toMatchObject({ input_tokens: usage?.input_tokens, cache_read_input_tokens: usage?.cache_read_input_tokens, cache_creation_input_tokens: usage?.cache_creation_input_tokens });
    const price = HAIKU?.price as { input: number; cached_input: number; cache_write: number; output: number };
    const expected =
      ((usage?.input_tokens ?? 0) * price.input +
        (usage?.cache_read_input_tokens ?? 0) * price.cached_input +
        (usage?.cache_creation_input_tokens ?? 0) * price.cache_write +
        (usage?.output_tokens ?? 0) * price.output) /
      1e6;
    expect(response.headers.get('x-switchyard-cost-usd')).toBe(formatCost(expected));
  });

  it('prices a cache write that holds for an hour at its own price', async () => {
    const { response } = await client.messages
      .create({ model: 'agent', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'A prefix kept for an hour. '.repeat(50), cache_control: { type: 'ephemeral', ttl: '1h' } }] }] })
      .withResponse();
    const usage = anthropic.requests[0]?.usage;
    const forAnHour = usage?.cache_creation.ephemeral_1h_input_tokens ?? 0;
    expect(forAnHour).toBeGreaterThan(0);
    const price = HAIKU?.price as { input: number; cache_write: number; cache_write_1h: number; output: number };
    const expected =
      ((usage?.input_tokens ?? 0) * price.input +
        ((usage?.cache_creation_input_tokens ?? 0) - forAnHour) * price.cache_write +
        forAnHour * price.cache_write_1h +
        (usage?.output_tokens ?? 0) * price.output) /
      1e6;
    expect(response.headers.get('x-switchyard-cost-usd')).toBe(formatCost(expected));
  });

  it('names the answer blocks it cannot carry on the attempt (server tools), and answers the rest', async () => {
    const body = {
      id: 'msg_srv',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'news' } }, { type: 'text', text: 'Here is the news.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    };
    anthropic.enqueue({ type: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { data, response } = await client.messages.create({ model: 'agent', max_tokens: 100, messages: [{ role: 'user', content: 'News?' }] }).withResponse();
    expect(data.content).toEqual([expect.objectContaining({ type: 'text', text: 'Here is the news.' })]);
    const trace = running.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '');
    expect(trace?.attempts[0]?.warnings).toEqual(['dropped answer blocks the canonical result has no place for: server_tool_use']);
  });

  it('serves an overloaded first model from an OpenAI-compatible fallback before the first byte, invisibly', async () => {
    anthropic.enqueue({ type: 'error', error: 'overloaded_error' });
    const stream = client.messages.stream({ model: 'agent', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    const { response } = await stream.withResponse();
    const message = await stream.finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: defaultReply('backup-wire') })]);
    expect(response.headers.get('x-switchyard-model')).toBe('backup');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('ends a stream that fails after its first byte with an error event, not message_stop', async () => {
    anthropic.enqueue({ type: 'message', content: [{ type: 'text', text: 'one two three four five six' }], errorAfterEvents: { after: 5, error: 'overloaded_error' } });
    const stream = client.messages.stream({ model: 'agent', max_tokens: 100, messages: [{ role: 'user', content: 'Count.' }] });
    const error = await stream.finalMessage().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(APIError);
    expect(openaiUpstream.requests).toEqual([]);
  });
});
