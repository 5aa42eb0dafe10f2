import OpenAI, { type APIError } from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startFakeResponsesUpstream, type FakeResponsesUpstream } from './fake-responses-upstream.js';

// The fake is only worth what its fidelity is: these tests read its answers with the official
// `openai` client (which parses the Response, accumulates the typed stream events into a snapshot by
// output and content index, and maps error statuses and bodies to its error classes), so a wrong
// field name or event shape in the fake fails here.

const KEY = 'sk-test-responses-key';
const MODEL = 'gpt-5.2';
let fake: FakeResponsesUpstream;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeResponsesUpstream({ apiKey: KEY });
  client = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.respond({ type: 'response' });
  fake.requests.length = 0;
});

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

type RawEvent = { event: string; data: Record<string, unknown> & { type: string; sequence_number: number } };

/** The stream as written: each frame's `event:` line and its JSON data. */
async function rawEvents(body: Record<string, unknown>): Promise<RawEvent[]> {
  const response = await fetch(`${fake.url}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return (await response.text())
    .trim()
    .split('\n\n')
    .map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      return { event: eventLine?.replace(/^event: /, '') ?? '', data: JSON.parse(dataLine?.replace(/^data: /, '') ?? '') as RawEvent['data'] };
    });
}

describe('fake Responses upstream, read by the openai client', () => {
  it('answers responses.create with a Response and records the request', async () => {
    const { data: response, request_id: requestId } = await client.responses.create({ model: MODEL, input: 'Hello', instructions: 'Be brief.', metadata: { team: 'a' } }).withResponse();

    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: MODEL,
      error: null,
      incomplete_details: null,
      instructions: 'Be brief.',
      metadata: { team: 'a' },
      output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `Reply from ${MODEL}.`, annotations: [] }] }],
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output[0]?.id).toMatch(/^msg_/);
    expect(response.output_text).toBe(`Reply from ${MODEL}.`);
    const [recorded] = fake.requests;
    expect(requestId).toBe(recorded?.requestId);
    expect(recorded).toMatchObject({ method: 'POST', pathname: '/v1/responses', body: { model: MODEL, input: 'Hello' } });
    expect(recorded?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(recorded?.input).toEqual([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }]);
    expect(fake.requestsFor(MODEL)).toHaveLength(1);
  });

  it('reports usage with its details, computed or scripted', async () => {
    const computed = await client.responses.create({ model: MODEL, input: 'Hello there' });
    const { usage } = computed;
    expect(usage?.input_tokens).toBeGreaterThan(0);
    expect(usage?.output_tokens).toBeGreaterThan(0);
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
    expect(usage?.input_tokens_details).toEqual({ cached_tokens: 0, cache_write_tokens: 0 });
    expect(usage?.output_tokens_details).toEqual({ reasoning_tokens: 0 });

    fake.enqueue({ type: 'response', usage: { input_tokens: 1200, cached_tokens: 1024, output_tokens: 80, reasoning_tokens: 64 } });
    const scripted = await client.responses.create({ model: MODEL, input: 'Hello there' });
    expect(scripted.usage).toEqual({
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 1024, cache_write_tokens: 0 },
      output_tokens: 80,
      output_tokens_details: { reasoning_tokens: 64 },
      total_tokens: 1280,
    });

    fake.enqueue({ type: 'response', usage: null });
    expect((await client.responses.create({ model: MODEL, input: 'Hi' })).usage).toBeUndefined();
  });

  it('streams a Response that responses.stream() assembles into the same final response, text deltas included', async () => {
    fake.respond({ type: 'response', output: [{ type: 'text', text: 'One two three four.' }] });
    const stream = client.responses.stream({ model: MODEL, input: 'Count' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();

    expect(deltas).toEqual(['One ', 'two ', 'three ', 'four.']);
    expect(final.output_text).toBe('One two three four.');
    expect(final.status).toBe('completed');
    // The same answer as JSON, but for the ids (one per request) and the parse results the stream helper adds.
    const json = await client.responses.create({ model: MODEL, input: 'Count' });
    const comparable = (response: object): unknown => JSON.parse(JSON.stringify(response, (key, value: unknown) => (['id', 'parsed', 'output_parsed'].includes(key) ? undefined : value)));
    expect(comparable(final)).toEqual(comparable(json));
    expect(fake.requests[0]?.body?.['stream']).toBe(true);
  });

  it('writes each event with its `event:` line and an increasing sequence_number, read the same by the client with stream: true', async () => {
    fake.respond({ type: 'response', output: [{ type: 'text', text: 'Hi there.' }] });
    const frames = await rawEvents({ model: MODEL, input: 'Hi' });
    for (const frame of frames) expect(frame.data.type).toBe(frame.event);
    expect(frames.map((frame) => frame.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);

    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ model: MODEL, input: 'Hi', stream: true })) events.push(event);
    expect(events.map((event) => event.type)).toEqual(frames.map((frame) => frame.event));
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const [created, , added, partAdded, delta] = events;
    expect(created).toMatchObject({ type: 'response.created', response: { status: 'in_progress', output: [] } });
    expect(added).toMatchObject({ output_index: 0, item: { type: 'message', status: 'in_progress', content: [] } });
    expect(partAdded).toMatchObject({ output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    expect(delta).toMatchObject({ item_id: (added as OpenAI.Responses.ResponseOutputItemAddedEvent).item.id, delta: 'Hi ', logprobs: [] });
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed', usage: { total_tokens: expect.any(Number) } } });
  });

  it('makes a function-call round trip: function_call out, function_call_output in', async () => {
    fake.enqueue(
      { type: 'response', output: [{ type: 'function_call', callId: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { type: 'response', output: [{ type: 'function_call', callId: 'call_def', name: 'get_weather', arguments: '{"city":"Rome"}' }] },
      { type: 'response', output: [{ type: 'text', text: 'Sunny in Paris.' }] },
    );
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.responses.create({ model: MODEL, input, tools: [weatherTool], tool_choice: 'auto', store: false });
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: 'function_call', call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    expect(call.id).toMatch(/^fc_/);
    expect(first.tools).toEqual([weatherTool]);

    const fragments: string[] = [];
    const stream = client.responses.stream({ model: MODEL, input, tools: [weatherTool], store: false });
    stream.on('response.function_call_arguments.delta', (event) => fragments.push(event.delta));
    const streamed = await stream.finalResponse();
    expect(fragments).toEqual(['{"city":', '"Rome"}']);
    expect(streamed.output[0]).toMatchObject({ type: 'function_call', call_id: 'call_def', arguments: '{"city":"Rome"}' });

    const followUp = [...input, call, { type: 'function_call_output' as const, call_id: 'call_abc', output: '{"sky":"sunny"}' }];
    const second = await client.responses.create({ model: MODEL, input: followUp, tools: [weatherTool], store: false });
    expect(second.output_text).toBe('Sunny in Paris.');
    expect(fake.requests[2]?.body?.['input']).toEqual(JSON.parse(JSON.stringify(followUp)));
    for (const id of [first.id, streamed.id, second.id]) expect(fake.storedIds()).not.toContain(id);

    const orphan = client.responses.create({ model: MODEL, input: [...input, { type: 'function_call_output', call_id: 'call_zzz', output: 'x' }] });
    await expect(orphan).rejects.toMatchObject({ status: 400, message: expect.stringContaining('call_zzz') });
  });

  it('records text.format json_schema and echoes it, so responses.parse reads the JSON', async () => {
    const Weather = z.object({ city: z.string(), celsius: z.number() });
    fake.enqueue({ type: 'response', output: [{ type: 'text', text: '{"city":"Paris","celsius":21}' }] });
    const parsed = await client.responses.parse({ model: MODEL, input: 'Weather?', text: { format: zodTextFormat(Weather, 'weather') } });
    expect(parsed.output_parsed).toEqual({ city: 'Paris', celsius: 21 });
    expect(parsed.text?.format).toMatchObject({ type: 'json_schema', name: 'weather', strict: true });
    expect(fake.requests[0]?.body?.['text']).toMatchObject({ format: { type: 'json_schema', name: 'weather', schema: { type: 'object', required: ['city', 'celsius'] } } });
  });

  describe('reasoning', () => {
    const thoughtful: FakeReasoning = { type: 'response', output: [{ type: 'reasoning', summary: ['Weighing the options.', 'Picking the cheaper one.'] }, { type: 'text', text: 'Take the train.' }] };
    type FakeReasoning = Parameters<FakeResponsesUpstream['enqueue']>[0];

    it('returns reasoning items with summaries and encrypted content when asked, and counts reasoning tokens', async () => {
      fake.respond(thoughtful);
      const asked = await client.responses.create({ model: MODEL, input: 'Train or plane?', reasoning: { effort: 'low', summary: 'auto' }, include: ['reasoning.encrypted_content'], store: false });
      const reasoning = asked.output[0] as OpenAI.Responses.ResponseReasoningItem;
      expect(reasoning).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Weighing the options.' }, { type: 'summary_text', text: 'Picking the cheaper one.' }] });
      expect(reasoning.id).toMatch(/^rs_/);
      expect(reasoning.encrypted_content).toMatch(/^gAAAAAB/);
      expect(asked.output_text).toBe('Take the train.');
      expect(asked.reasoning).toEqual({ effort: 'low', summary: 'auto' });
      expect(asked.usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);

      const plain = await client.responses.create({ model: MODEL, input: 'Train or plane?' });
      expect(plain.output[0]).toEqual({ id: expect.stringMatching(/^rs_/), type: 'reasoning', summary: [] });

      // Stateless, as Codex does: the encrypted reasoning goes back in; content it never issued is refused.
      await client.responses.create({ model: MODEL, input: [{ role: 'user', content: 'Train or plane?' }, reasoning, { role: 'user', content: 'Why?' }], include: ['reasoning.encrypted_content'], store: false });
      const forged = { ...reasoning, encrypted_content: 'gAAAAABforged' };
      await expect(client.responses.create({ model: MODEL, input: [forged, { role: 'user', content: 'Why?' }], store: false })).rejects.toMatchObject({ status: 400, code: 'invalid_encrypted_content' });
    });

    it('streams the reasoning summary as summary part and text events', async () => {
      fake.respond(thoughtful);
      const stream = client.responses.stream({ model: MODEL, input: 'Train or plane?', reasoning: { summary: 'detailed' }, include: ['reasoning.encrypted_content'] });
      const summaryDeltas: string[] = [];
      const summaryDone: string[] = [];
      stream.on('response.reasoning_summary_text.delta', (event) => summaryDeltas.push(event.delta));
      stream.on('response.reasoning_summary_text.done', (event) => summaryDone.push(event.text));
      const final = await stream.finalResponse();
      expect(summaryDeltas.join('')).toBe('Weighing the options.Picking the cheaper one.');
      expect(summaryDone).toEqual(['Weighing the options.', 'Picking the cheaper one.']);
      expect(final.output[0]).toMatchObject({ type: 'reasoning', summary: [{ text: 'Weighing the options.' }, { text: 'Picking the cheaper one.' }], encrypted_content: expect.stringMatching(/^gAAAAAB/) });
      expect(final.output_text).toBe('Take the train.');
    });
  });

  it('ends incomplete at max_output_tokens, in JSON and in the stream', async () => {
    fake.respond({ type: 'response', output: [{ type: 'text', text: 'A long answer that will not fit in the small budget it was given.' }] });
    const cut = await client.responses.create({ model: MODEL, input: 'Tell me', max_output_tokens: 4 });
    expect(cut.status).toBe('incomplete');
    expect(cut.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(cut.max_output_tokens).toBe(4);
    expect(cut.output_text).toBe('A long answer th');
    expect(cut.output[0]).toMatchObject({ status: 'incomplete' });
    expect(cut.usage?.output_tokens).toBe(4);

    const events: string[] = [];
    for await (const event of await client.responses.create({ model: MODEL, input: 'Tell me', max_output_tokens: 4, stream: true })) events.push(event.type);
    expect(events.at(-1)).toBe('response.incomplete');
    expect(events).not.toContain('response.completed');
  });

  describe('stored responses', () => {
    it('expands previous_response_id from what it stored, and records that it did', async () => {
      fake.enqueue({ type: 'response', output: [{ type: 'function_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
      const first = await client.responses.create({ model: MODEL, input: 'Weather in Oslo?', instructions: 'Use tools.', tools: [weatherTool] });
      expect(fake.storedIds()).toContain(first.id);

      fake.enqueue({ type: 'response', output: [{ type: 'text', text: 'Cold in Oslo.' }] });
      const second = await client.responses.create({
        model: 'gpt-5.2-mini',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: 'call_1', output: '{"celsius":-3}' }],
        tools: [weatherTool],
      });
      expect(second.previous_response_id).toBe(first.id);
      expect(second.output_text).toBe('Cold in Oslo.');
      // The expanded conversation is billed as input, as if it had been resent whole.
      const resent = await client.responses.create({ model: 'gpt-5.2-mini', input: fake.requests[1]?.input ?? [], tools: [weatherTool], store: false });
      expect(second.usage?.input_tokens).toBe(resent.usage?.input_tokens);
      const recorded = fake.requests[1];
      expect(recorded?.expandedFrom).toBe(first.id);
      expect(recorded?.input?.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call_output']);
      expect(recorded?.input?.[1]).toEqual(first.output[0]);
      expect(fake.requests[0]?.expandedFrom).toBeUndefined();

      const third = await client.responses.stream({ model: MODEL, previous_response_id: second.id, input: 'And tomorrow?' }).finalResponse();
      expect(third.previous_response_id).toBe(second.id);
      expect(fake.requests[3]?.input?.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call_output', 'message', 'message']);
    });

    it('answers an unknown previous_response_id with a 404 in OpenAI’s shape', async () => {
      const error = await client.responses.create({ model: MODEL, previous_response_id: 'resp_missing', input: 'Hi' }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'previous_response_not_found', param: 'previous_response_id', type: 'invalid_request_error' });
      expect((error as APIError).error).toEqual({ message: "Previous response with id 'resp_missing' not found.", type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' });
    });

    it('retrieves and deletes a stored response; store: false keeps nothing', async () => {
      const created = await client.responses.create({ model: MODEL, input: 'Keep me' });
      const retrieved = await client.responses.retrieve(created.id);
      expect(retrieved).toEqual(created);

      const deleted = await client.responses.delete(created.id).asResponse();
      expect(deleted.status).toBe(200);
      expect(await deleted.json()).toEqual({ id: created.id, object: 'response', deleted: true });
      await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      await expect(client.responses.delete(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);

      const unstored = await client.responses.create({ model: MODEL, input: 'Forget me', store: false });
      await expect(client.responses.retrieve(unstored.id)).rejects.toMatchObject({ status: 404 });
      await expect(client.responses.create({ model: MODEL, previous_response_id: unstored.id, input: 'Hi' })).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('faults', () => {
    const failure = async (promise: PromiseLike<unknown>): Promise<APIError> => {
      const error = await Promise.resolve(promise).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(OpenAI.APIError);
      return error as APIError;
    };

    it.each([
      [429, OpenAI.RateLimitError, 'requests', 'rate_limit_exceeded'],
      [500, OpenAI.InternalServerError, 'server_error', null],
      [503, OpenAI.InternalServerError, 'server_error', null],
      [400, OpenAI.BadRequestError, 'invalid_request_error', null],
    ] as const)('a %i comes back as its error class with OpenAI’s body', async (status, errorClass, type, code) => {
      fake.enqueue({ type: 'error', status, message: `scripted ${status}` });
      const error = await failure(client.responses.create({ model: MODEL, input: 'Hi' }));
      expect(error).toBeInstanceOf(errorClass);
      expect(error.status).toBe(status);
      expect(error.error).toEqual({ message: `scripted ${status}`, type, param: null, code });
      expect(error.type).toBe(type);
      expect(error.requestID).toBe(fake.requests[0]?.requestId);
    });

    it('sends retry-after on a 429, which the client honours when it retries', async () => {
      fake.enqueue({ type: 'error', status: 429, retryAfterSeconds: 7 });
      const error = await failure(client.responses.create({ model: MODEL, input: 'Hi' }));
      expect(error.headers?.get('retry-after')).toBe('7');

      fake.enqueue({ type: 'error', status: 429, retryAfterSeconds: 0 });
      const retrying = new OpenAI({ apiKey: KEY, baseURL: fake.url, maxRetries: 1 });
      expect((await retrying.responses.create({ model: MODEL, input: 'Hi' })).status).toBe('completed');
      expect(fake.requests).toHaveLength(3);
    });

    it('refuses a request without a key, or with the wrong one, with a 401', async () => {
      const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: fake.url, maxRetries: 0 });
      const error = await failure(wrong.responses.create({ model: MODEL, input: 'Hi' }));
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error.code).toBe('invalid_api_key');
      expect(JSON.stringify(error.error)).not.toContain('sk-wrong');
      const anonymous = await fetch(`${fake.url}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, input: 'Hi' }) });
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('Bearer') } });
    });

    it('ends a stream with an error event mid-stream, after the events before it', async () => {
      fake.enqueue({ type: 'response', output: [{ type: 'text', text: 'Partial answer that never ends' }], errorAfterEvents: { after: 5, code: 'server_error', message: 'boom' } });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of await client.responses.create({ model: MODEL, input: 'Hi', stream: true })) events.push(event);
      expect(events.map((event) => event.type)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'error',
      ]);
      expect(events.at(-1)).toEqual({ type: 'error', code: 'server_error', message: 'boom', param: null, sequence_number: 5 });

      fake.enqueue({ type: 'response', output: [{ type: 'text', text: 'Partial answer that never ends' }], errorAfterEvents: { after: 5, message: 'boom' } });
      const texts: string[] = [];
      const stream = client.responses.stream({ model: MODEL, input: 'Hi' });
      stream.on('response.output_text.delta', (event) => texts.push(event.delta));
      await expect(stream.finalResponse()).rejects.toMatchObject({ type: 'error', message: 'boom' });
      expect(texts).toEqual(['Partial ']);
      expect(fake.requests[1]?.eventsWritten).toBe(6);
    });

    it('fails a stream with response.failed carrying the items finished so far', async () => {
      fake.enqueue({
        type: 'response',
        output: [{ type: 'function_call', callId: 'call_x', name: 'get_weather', arguments: '{"city":"Lima"}' }, { type: 'text', text: 'Never sent' }],
        failAfterEvents: { after: 7, code: 'rate_limit_exceeded', message: 'Too fast' },
      });
      const final = await client.responses.stream({ model: MODEL, input: 'Hi', tools: [weatherTool] }).finalResponse();
      expect(final.status).toBe('failed');
      expect(final.error).toEqual({ code: 'rate_limit_exceeded', message: 'Too fast' });
      expect(final.output).toHaveLength(1);
      expect(final.output[0]).toMatchObject({ type: 'function_call', call_id: 'call_x', arguments: '{"city":"Lima"}' });
      expect(final.usage).toBeUndefined();
      expect((await client.responses.retrieve(final.id)).status).toBe('failed');
    });

    it('cuts a stream after N events', async () => {
      fake.enqueue({ type: 'response', output: [{ type: 'text', text: 'This answer is cut short' }], cutAfterEvents: 6 });
      const texts: string[] = [];
      const stream = client.responses.stream({ model: MODEL, input: 'Hi' });
      stream.on('response.output_text.delta', (event) => texts.push(event.delta));
      await expect(stream.finalResponse()).rejects.toThrow();
      expect(texts).toEqual(['This ', 'answer ']);
      expect(fake.requests[0]?.eventsWritten).toBe(6);
    });

    it('drops a connection without answering', async () => {
      fake.enqueue({ type: 'drop' });
      expect(await failure(client.responses.create({ model: MODEL, input: 'Hi' }))).toBeInstanceOf(OpenAI.APIConnectionError);
    });

    it('delays the first byte, or the first event after the headers', async () => {
      fake.enqueue({ type: 'response', delayMs: 300 });
      let started = performance.now();
      await client.responses.create({ model: MODEL, input: 'Hi' });
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);

      fake.enqueue({ type: 'response', firstEventDelayMs: 500 });
      started = performance.now();
      const response = await client.responses.create({ model: MODEL, input: 'Hi', stream: true }).asResponse();
      const headersAt = performance.now();
      const reader = response.body?.getReader();
      await reader?.read();
      const firstEventAt = performance.now();
      await reader?.cancel();
      expect(firstEventAt - started).toBeGreaterThanOrEqual(490);
      expect(firstEventAt - headersAt).toBeGreaterThan(250);
    });

    it('sends verbatim events and raw bodies', async () => {
      const json = await client.responses.create({ model: MODEL, input: 'Hi' });
      const { output_text: _text, ...wire } = json;
      fake.enqueue({
        type: 'events',
        events: [
          { type: 'response.created', response: { ...wire, output: [] }, sequence_number: 0 },
          { type: 'response.completed', response: wire, sequence_number: 1 },
        ],
      });
      expect((await client.responses.stream({ model: MODEL, input: 'Hi' }).finalResponse()).output_text).toBe(`Reply from ${MODEL}.`);

      fake.enqueue({ type: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: '{"object":"response"' });
      await expect(client.responses.create({ model: MODEL, input: 'Hi' })).rejects.toThrow();
    });

    it('answers an unknown path with a 404 and a body without a model with a 400', async () => {
      const post = (path: string, body: unknown): Promise<Response> =>
        fetch(`${fake.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/chat/completions', { model: MODEL })).status).toBe(404);
      const noModel = await post('/responses', { input: 'Hi' });
      expect(noModel.status).toBe(400);
      expect(await noModel.json()).toEqual({ error: { message: "Missing required parameter: 'model'.", type: 'invalid_request_error', param: 'model', code: 'missing_required_parameter' } });
    });
  });
});
