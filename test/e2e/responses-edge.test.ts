import OpenAI, { APIError, BadRequestError, NotFoundError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

/**
 * The Responses edge, end to end: the unmodified `openai` client's `responses` API (JSON, the typed
 * SSE stream and its errors) against a real gateway whose models are served by the fake Chat
 * Completions upstream, so every answer crosses dialects both ways.
 */

let upstream: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startGateway(testConfig(upstream.url));
  // maxRetries 0: the tests check what the gateway answers.
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

/** A raw POST, for bodies the client would refuse to send and for the SSE bytes. */
async function post(body: unknown): Promise<{ status: number; text: string; json: () => Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${gateway.baseURL}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown>, headers: response.headers };
}

/** The `event:` names and parsed data of an SSE text. */
function events(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? 'null') as Record<string, unknown>;
      return { event, data };
    });
}

async function expectServing(): Promise<void> {
  const response = await client.responses.create({ model: 'cheap', input: 'still there?' });
  expect(response.output_text).toBe(defaultReply('cheap-wire'));
}

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('POST /v1/responses with the openai client, served by a Chat Completions upstream', () => {
  it('answers responses.create with a Response, and sends the upstream Chat Completions', async () => {
    upstream.respond({ type: 'completion', text: 'Tokyo.', usage: { prompt_tokens: 30, completion_tokens: 2, cached_tokens: 10 } });
    const { data, response } = await client.responses
      .create({ model: 'cheap', instructions: 'Be brief.', input: 'Capital of Japan?', max_output_tokens: 64, temperature: 0.2, metadata: { team: 'geo' } })
      .withResponse();

    const traceId = response.headers.get('x-switchyard-trace-id') ?? '';
    expect(data).toMatchObject({
      id: `resp_${traceId.replaceAll('-', '')}`,
      object: 'response',
      status: 'completed',
      model: 'cheap',
      error: null,
      incomplete_details: null,
      instructions: 'Be brief.',
      max_output_tokens: 64,
      temperature: 0.2,
      metadata: { team: 'geo' },
      previous_response_id: null,
      output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Tokyo.', annotations: [] }] }],
      usage: { input_tokens: 30, input_tokens_details: { cached_tokens: 10 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 32 },
    });
    expect(data.output_text).toBe('Tokyo.');
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0);
    expect(upstream.requests[0]?.body).toMatchObject({
      model: 'cheap-wire',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of Japan?' },
      ],
      max_completion_tokens: 64,
      temperature: 0.2,
    });
  });

  it('streams typed events with sequence numbers, and ends with response.completed carrying the usage', async () => {
    upstream.enqueue({ type: 'completion', text: 'One two three.', usage: { prompt_tokens: 12, completion_tokens: 4 } });
    const stream = await client.responses.create({ model: 'cheap', input: 'Count to three.', stream: true });
    const received: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) received.push(event);

    const types = received.map((event) => event.type);
    expect(types.slice(0, 5)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(received.map((event) => event.sequence_number)).toEqual(received.map((_, index) => index));
    const deltas = received.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : []));
    expect(deltas.join('')).toBe('One two three.');
    const completed = received.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response).toMatchObject({
      status: 'completed',
      model: 'cheap',
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'One two three.' }] }],
      usage: { input_tokens: 12, output_tokens: 4, total_tokens: 16 },
    });
    // The stream helper accumulates the same events into the final response.
    const final = await client.responses.stream({ model: 'cheap', input: 'Again.' }).finalResponse();
    expect(final.output_text).toBe(defaultReply('cheap-wire'));
    expect(upstream.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('runs a function-call round trip: function_call out, function_call_output back', async () => {
    upstream.respond({ type: 'completion', toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }], finishReason: 'tool_calls' });
    const first = await client.responses.create({ model: 'cheap', input: 'Weather in Paris?', tools: [weatherTool], tool_choice: 'auto' });
    expect(first.output).toEqual([
      { id: expect.stringMatching(/^fc_/), type: 'function_call', status: 'completed', call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(upstream.requests[0]?.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherTool.parameters, strict: true } }],
      tool_choice: 'auto',
    });

    upstream.respond({ type: 'completion', text: 'Sunny in Paris.' });
    const second = await client.responses.create({
      model: 'cheap',
      tools: [weatherTool],
      store: false,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        ...(first.output as OpenAI.Responses.ResponseFunctionToolCall[]),
        { type: 'function_call_output', call_id: 'call_abc', output: '{"temp":21}' },
      ],
    });
    expect(second.output_text).toBe('Sunny in Paris.');
    expect(upstream.requests[1]?.body?.['messages']).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"temp":21}' },
    ]);
  });

  it('streams a function call as function_call_arguments events', async () => {
    upstream.respond({ type: 'completion', toolCalls: [{ id: 'call_s', name: 'get_weather', arguments: '{"city":"Oslo"}' }], finishReason: 'tool_calls' });
    const final = await client.responses.stream({ model: 'cheap', input: 'Weather in Oslo?', tools: [weatherTool] }).finalResponse();
    expect(final.output).toMatchObject([{ type: 'function_call', call_id: 'call_s', name: 'get_weather', arguments: '{"city":"Oslo"}', status: 'completed' }]);
  });

  it('sends text.format json_schema as response_format, and answers the JSON', async () => {
    upstream.respond({ type: 'completion', text: '{"city":"Tokyo"}' });
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const response = await client.responses.create({ model: 'cheap', input: 'Capital of Japan?', text: { format: { type: 'json_schema', name: 'capital', schema, strict: true } } });
    expect(JSON.parse(response.output_text)).toEqual({ city: 'Tokyo' });
    expect(response.text).toMatchObject({ format: { type: 'json_schema', name: 'capital' } });
    expect(upstream.requests[0]?.body?.['response_format']).toEqual({ type: 'json_schema', json_schema: { name: 'capital', schema, strict: true } });
  });

  it('answers a blocked request with a completed response carrying the route message', async () => {
    const response = await client.responses.create({ model: 'auto', input: 'How do I build a bomb?' });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe("I can't help with that request.");
    expect(upstream.requests).toHaveLength(0);
  });

  it('ends a stream that fails after its first byte with error and response.failed, which the client raises', async () => {
    upstream.enqueue({ type: 'completion', text: 'This answer will break off somewhere in the middle of it.', cutAfterChunks: 2 });
    const { text, status } = await post({ model: 'cheap', input: 'Tell me.', stream: true });
    expect(status).toBe(200);
    const received = events(text);
    expect(received.map((event) => event.event).slice(-2)).toEqual(['error', 'response.failed']);
    expect(received.at(-1)?.data).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: expect.any(String), message: expect.any(String) } } });
    expect(received.map((event) => event.data['sequence_number'])).toEqual(received.map((_, index) => index));
    expect(text).not.toContain('[DONE]');

    upstream.enqueue({ type: 'completion', text: 'This answer will break off somewhere in the middle of it.', cutAfterChunks: 2 });
    const stream = await client.responses.create({ model: 'cheap', input: 'Tell me.', stream: true });
    await expect(async () => {
      for await (const _event of stream) void _event;
    }).rejects.toBeInstanceOf(APIError);
    await expectServing();
  });

  it('fails over to the fallback before the first byte', async () => {
    upstream.respond((request) => (request.body?.['model'] === 'coder-wire' ? { type: 'error', status: 500 } : { type: 'completion', text: 'From the fallback.' }));
    const { data, response } = await client.responses.create({ model: 'auto', input: 'debug this python stack trace', stream: true }).withResponse();
    let text = '';
    for await (const event of data) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe('From the fallback.');
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  });
});

describe('bad input gets a precise 4xx in OpenAI shape, and the server keeps serving', () => {
  it('refuses an input item of an unknown type, naming it', async () => {
    const { status, json } = await post({ model: 'cheap', input: [{ role: 'user', content: 'hi' }, { type: 'telepathy', thought: 'x' }] });
    expect(status).toBe(400);
    expect(json()).toEqual({
      error: { type: 'invalid_request_error', code: null, param: 'input[1].type', message: expect.stringContaining('unknown input item type "telepathy"') },
    });
    await expectServing();
  });

  it('refuses a function_call_output with no function_call', async () => {
    const request = client.responses.create({ model: 'cheap', input: [{ role: 'user', content: 'hi' }, { type: 'function_call_output', call_id: 'call_nowhere', output: '42' }] });
    await expect(request).rejects.toBeInstanceOf(BadRequestError);
    await expect(request).rejects.toMatchObject({ status: 400, param: 'input[1].call_id', message: expect.stringContaining('"call_nowhere"') });
    expect(upstream.requests).toHaveLength(0);
    await expectServing();
  });

  it('refuses a body without input or model, and a bad type', async () => {
    const noInput = await post({ model: 'cheap' });
    expect(noInput.status).toBe(400);
    expect(noInput.json()).toMatchObject({ error: { param: 'input', type: 'invalid_request_error' } });
    const noModel = await post({ input: 'hi' });
    expect(noModel.json()).toMatchObject({ error: { param: 'model' } });
    const badTokens = await post({ model: 'cheap', input: 'hi', max_output_tokens: 'many' });
    expect(badTokens.json()).toMatchObject({ error: { param: 'max_output_tokens' } });
    const badPart = await post({ model: 'cheap', input: [{ role: 'user', content: [{ type: 'input_hologram' }] }] });
    expect(badPart.json()).toMatchObject({ error: { param: 'input[0].content[0].type' } });
    await expectServing();
  });

  it('answers an unknown previous_response_id with 404 previous_response_not_found', async () => {
    const request = client.responses.create({ model: 'cheap', input: 'and then?', previous_response_id: 'resp_never_was' });
    await expect(request).rejects.toBeInstanceOf(NotFoundError);
    await expect(request).rejects.toMatchObject({
      status: 404,
      code: 'previous_response_not_found',
      param: 'previous_response_id',
      type: 'invalid_request_error',
      message: expect.stringContaining('"resp_never_was"'),
    });
    // Counted as a refusal at the edge, in the Responses dialect.
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^switchyard_edge_rejections_total\{dialect="responses",status="404",reason="previous_response_not_found"\} 1$/m);
    await expectServing();
  });
});

describe('previous_response_id: the gateway keeps the conversation, so a follow-up can go to another model', () => {
  it('expands a follow-up from the stored response and serves it with a different model', async () => {
    upstream.enqueue({ type: 'completion', text: 'Paris.' });
    const first = await client.responses.create({ model: 'cheap', instructions: 'Be brief.', input: 'Capital of France?' });
    upstream.enqueue({ type: 'completion', text: 'About two million.' });
    const second = await client.responses.create({ model: 'strong', previous_response_id: first.id, input: 'And its population?' });

    expect(second).toMatchObject({ model: 'strong', previous_response_id: first.id, output_text: 'About two million.' });
    expect(second.id).not.toBe(first.id);
    expect(upstream.requestsFor('cheap-wire')).toHaveLength(1);
    // The first turn's input and output, then the new input; its instructions are not carried over, as at OpenAI.
    expect(upstream.requestsFor('strong-wire')[0]?.body?.['messages']).toEqual([
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'And its population?' },
    ]);

    // A third turn carries the whole chain, here from a streamed answer.
    const third = await client.responses.stream({ model: 'coder', previous_response_id: second.id, input: 'Thanks.' }).finalResponse();
    expect(upstream.requestsFor('coder-wire')[0]?.body?.['messages']).toEqual([
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'And its population?' },
      { role: 'assistant', content: 'About two million.' },
      { role: 'user', content: 'Thanks.' },
    ]);
    const fourth = await client.responses.create({ model: 'cheap', previous_response_id: third.id, input: 'Bye.' });
    expect(fourth.status).toBe('completed');
    expect(upstream.requestsFor('cheap-wire').at(-1)?.body?.['messages']).toHaveLength(7);
  });

  it('answers a tool output that names only previous_response_id, as the Agents SDK sends it', async () => {
    upstream.enqueue({ type: 'completion', toolCalls: [{ id: 'call_prev', name: 'get_weather', arguments: '{"city":"Rome"}' }], finishReason: 'tool_calls' });
    const first = await client.responses.create({ model: 'cheap', input: 'Weather in Rome?', tools: [weatherTool] });
    upstream.enqueue({ type: 'completion', text: 'Warm in Rome.' });
    const second = await client.responses.create({
      model: 'strong',
      tools: [weatherTool],
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'call_prev', output: '{"temp":28}' }],
    });
    expect(second.output_text).toBe('Warm in Rome.');
    expect(upstream.requestsFor('strong-wire')[0]?.body?.['messages']).toEqual([
      { role: 'user', content: 'Weather in Rome?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_prev', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
      { role: 'tool', tool_call_id: 'call_prev', content: '{"temp":28}' },
    ]);
  });

  it('resolves an item_reference against the stored conversation, and refuses one it cannot find', async () => {
    const first = await client.responses.create({ model: 'cheap', input: 'Say something.' });
    const said = first.output[0]?.id ?? '';
    await client.responses.create({ model: 'strong', previous_response_id: first.id, input: [{ type: 'item_reference', id: said }, { role: 'user', content: 'Again?' }] });
    expect(upstream.requestsFor('strong-wire')[0]?.body?.['messages']).toEqual([
      { role: 'user', content: 'Say something.' },
      { role: 'assistant', content: defaultReply('cheap-wire') },
      { role: 'assistant', content: defaultReply('cheap-wire') },
      { role: 'user', content: 'Again?' },
    ]);
    const missing = await post({ model: 'cheap', previous_response_id: first.id, input: [{ type: 'item_reference', id: 'msg_nowhere' }] });
    expect(missing.status).toBe(400);
    expect(missing.json()).toMatchObject({ error: { param: 'input[0].id', message: expect.stringContaining('"msg_nowhere"') } });
  });

  it('resolves an item_reference to a stored response without previous_response_id, as the AI SDK sends them', async () => {
    upstream.enqueue({ type: 'completion', text: 'Let me check.', toolCalls: [{ id: 'call_ref', name: 'get_weather', arguments: '{"city":"Lima"}' }], finishReason: 'tool_calls' });
    const first = await client.responses.create({ model: 'cheap', input: 'Weather in Lima?', tools: [weatherTool] });
    const [message, call] = first.output;
    await client.responses.create({
      model: 'strong',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'Weather in Lima?' },
        { type: 'item_reference', id: message?.id ?? '' },
        { type: 'item_reference', id: call?.id ?? '' },
        { type: 'function_call_output', call_id: 'call_ref', output: 'sunny' },
      ],
    });
    expect(upstream.requestsFor('strong-wire')[0]?.body?.['messages']).toEqual([
      { role: 'user', content: 'Weather in Lima?' },
      { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'call_ref', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } }] },
      { role: 'tool', tool_call_id: 'call_ref', content: 'sunny' },
    ]);
  });

  it('keeps nothing with store: false', async () => {
    const first = await client.responses.create({ model: 'cheap', input: 'Forget this.', store: false });
    expect(first).toMatchObject({ store: false });
    await expect(client.responses.create({ model: 'cheap', previous_response_id: first.id, input: 'What did I say?' })).rejects.toMatchObject({
      status: 404,
      code: 'previous_response_not_found',
    });
  });

  it("never expands another key's conversation", async () => {
    const keyed = await startGateway(testConfig(upstream.url, 'server:\n  api_keys: ["gw-key-alice-0123456789", "gw-key-bob-0123456789"]\n'));
    try {
      const alice = new OpenAI({ baseURL: keyed.baseURL, apiKey: 'gw-key-alice-0123456789', maxRetries: 0 });
      const bob = new OpenAI({ baseURL: keyed.baseURL, apiKey: 'gw-key-bob-0123456789', maxRetries: 0 });
      const first = await alice.responses.create({ model: 'cheap', input: 'My secret is 42.' });
      await expect(bob.responses.create({ model: 'cheap', previous_response_id: first.id, input: 'What is the secret?' })).rejects.toMatchObject({
        status: 404,
        code: 'previous_response_not_found',
      });
      const mine = await alice.responses.create({ model: 'cheap', previous_response_id: first.id, input: 'Still there?' });
      expect(mine.status).toBe('completed');
      // Nor resolves a reference to one of its items.
      const said = first.output[0]?.id ?? '';
      await expect(bob.responses.create({ model: 'cheap', input: [{ type: 'item_reference', id: said }, { role: 'user', content: 'Go on.' }] })).rejects.toMatchObject({
        status: 400,
        param: 'input[0].id',
      });
      const resolved = await alice.responses.create({ model: 'cheap', input: [{ type: 'item_reference', id: said }, { role: 'user', content: 'Go on.' }] });
      expect(resolved.status).toBe('completed');
    } finally {
      await keyed.close();
    }
  });
});
