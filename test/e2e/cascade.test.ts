import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeResponse, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';
import { answerByModel, CHEAP, CODER, collectStream, openaiClient, STRONG, streamedTrace, traceOf, usd } from '../support/policy-test-helpers.js';

/**
 * The cascade policy end to end: cheapest model first, its answer checked, the next model asked
 * when it fails. Each test scripts what every model answers and checks what the client got, what
 * the upstream saw, and what the trace and the contract headers say.
 */

let upstream: FakeUpstream;
let gateway: TestGateway | undefined;

beforeEach(async () => {
  upstream = await startFakeUpstream();
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await upstream.close();
});

/** The test config's models (cheap, coder, strong) with a router `casc` whose default is `policy`. */
async function start(policy: string): Promise<TestGateway> {
  gateway = await startGateway(testConfig(upstream.url, `  casc:\n    default: ${policy}\n`));
  return gateway;
}

const client = openaiClient;

const byModel = (responses: Parameters<typeof answerByModel>[1]): void => answerByModel(upstream, responses);

const wireModels = () => upstream.requests.map((request) => request.body?.['model']);




const CITY_FORMAT = {
  type: 'json_schema',
  json_schema: {
    name: 'city',
    strict: true,
    schema: {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'integer' } },
      required: ['city', 'population'],
      additionalProperties: false,
    },
  },
} as const;

const VALID_CITY = '{"city":"Paris","population":2100000}';

const cityRequest = (extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}): ChatCompletionCreateParamsNonStreaming => ({
  model: 'casc',
  messages: [{ role: 'user', content: 'Give me the biggest city of France as JSON.' }],
  response_format: CITY_FORMAT,
  ...extra,
});

const collect = collectStream;

const JSON_CASCADE = '{ cascade: { models: [cheap, strong], check: { json_schema: true } } }';

describe('cascade [cheap, strong] with a json_schema check', () => {
  it('escalates an answer that is not JSON: the client gets only the strong answer, the trace has both steps and both costs', async () => {
    const running = await start(JSON_CASCADE);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'Sure! The city is Paris, population about two million.', usage: { prompt_tokens: 1000, completion_tokens: 200 } }),
      'strong-wire': () => ({ type: 'completion', text: VALID_CITY, usage: { prompt_tokens: 1100, completion_tokens: 30 } }),
    });
    const { data, response } = await client(running).chat.completions.create(cityRequest()).withResponse();

    expect(data.choices[0]?.message.content).toBe(VALID_CITY);
    expect(data.model).toBe('strong');
    expect(wireModels()).toEqual(['cheap-wire', 'strong-wire']);
    // The client's response_format reaches both models.
    expect(upstream.requests[0]?.body?.['response_format']).toEqual(CITY_FORMAT);
    expect(upstream.requests[1]?.body?.['response_format']).toEqual(CITY_FORMAT);

    const cheapCost = usd(1000, 200, CHEAP.input, CHEAP.output);
    const strongCost = usd(1100, 30, STRONG.input, STRONG.output);
    const trace = traceOf(running, response);
    expect(trace.decision.policy).toBe('cascade');
    expect(trace.decision.candidates.map((candidate) => [candidate.model, candidate.step])).toEqual([
      ['cheap', 0],
      ['strong', 1],
    ]);
    expect(trace.model).toBe('strong');
    expect(trace.attempts).toHaveLength(2);
    expect(trace.attempts[0]).toMatchObject({
      model: 'cheap',
      role: 'answer',
      step: 0,
      outcome: 'rejected',
      checks: [{ check: 'json_schema', passed: false, detail: expect.stringMatching(/^not JSON: /) }],
    });
    expect(trace.attempts[1]).toMatchObject({ model: 'strong', role: 'answer', step: 1, outcome: 'ok' });
    // The last step is served unchecked.
    expect(trace.attempts[1]?.checks).toBeUndefined();
    expect(trace.attempts[0]?.costUsd).toBeCloseTo(cheapCost, 15);
    expect(trace.attempts[1]?.costUsd).toBeCloseTo(strongCost, 15);
    expect(trace.costUsd).toBeCloseTo(cheapCost + strongCost, 15);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(cheapCost + strongCost, 15);
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(response.headers.get('x-switchyard-model')).toBe('strong');
    expect(trace.notes).toEqual([expect.stringMatching(/^step 0 \(cheap\) failed its check: json_schema \(not JSON: .*\); escalated$/)]);
    // The client's usage is the served answer's, not the sum.
    expect(data.usage).toMatchObject({ prompt_tokens: 1100, completion_tokens: 30 });
  });

  it('escalates JSON that does not match the response_format schema, saying which field is wrong', async () => {
    const running = await start(JSON_CASCADE);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: '{"city":"Paris","population":"lots"}', usage: { prompt_tokens: 500, completion_tokens: 20 } }),
      'strong-wire': () => ({ type: 'completion', text: VALID_CITY, usage: { prompt_tokens: 500, completion_tokens: 20 } }),
    });
    const { data, response } = await client(running).chat.completions.create(cityRequest()).withResponse();
    expect(data.choices[0]?.message.content).toBe(VALID_CITY);
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.step, attempt.outcome])).toEqual([
      ['cheap', 0, 'rejected'],
      ['strong', 1, 'ok'],
    ]);
    expect(trace.attempts[0]?.checks).toEqual([{ check: 'json_schema', passed: false, detail: expect.stringContaining('population') }]);
    expect(trace.costUsd).toBeCloseTo(usd(500, 20, CHEAP.input, CHEAP.output) + usd(500, 20, STRONG.input, STRONG.output), 15);
  });

  it('escalates a JSON answer missing a required field', async () => {
    const running = await start(JSON_CASCADE);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: '{"city":"Paris"}' }), 'strong-wire': () => ({ type: 'completion', text: VALID_CITY }) });
    const { data, response } = await client(running).chat.completions.create(cityRequest()).withResponse();
    expect(data.choices[0]?.message.content).toBe(VALID_CITY);
    expect(traceOf(running, response).attempts[0]?.checks?.[0]).toMatchObject({ check: 'json_schema', passed: false, detail: expect.stringContaining('population') });
  });

  it('streams only the strong answer after rejecting the cheap one: no cheap token reaches the client', async () => {
    const running = await start(JSON_CASCADE);
    const cheapText = 'CHEAPMARKER here is some prose instead of JSON';
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: cheapText, usage: { prompt_tokens: 1000, completion_tokens: 200 } }),
      'strong-wire': () => ({ type: 'completion', text: '{"city": "Paris", "population": 2100000}', usage: { prompt_tokens: 1100, completion_tokens: 30 } }),
    });
    const { data: stream, response } = await client(running)
      .chat.completions.create({ ...cityRequest(), stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const { chunks, text } = await collect(stream);

    expect(text).toBe('{"city": "Paris", "population": 2100000}');
    // The strong model streamed live, word by word.
    expect(chunks.filter((chunk) => (chunk.choices[0]?.delta.content ?? '') !== '').length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(JSON.stringify(chunk)).not.toContain('CHEAPMARKER');
      expect(chunk.choices[0]?.delta.content ?? '').not.toContain('prose');
    }
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 1100, completion_tokens: 30 });
    // The checked step is asked in one piece; the last one streams.
    expect(upstream.requestsFor('cheap-wire')[0]?.body?.['stream']).toBeUndefined();
    expect(upstream.requestsFor('strong-wire')[0]?.body?.['stream']).toBe(true);
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(response.headers.get('x-switchyard-model')).toBe('strong');

    const trace = await streamedTrace(running, response);
    expect(trace.stream).toBe(true);
    expect(trace.status).toBe('ok');
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.step, attempt.outcome])).toEqual([
      ['cheap', 0, 'rejected'],
      ['strong', 1, 'ok'],
    ]);
    expect(trace.attempts[0]?.checks?.[0]).toMatchObject({ check: 'json_schema', passed: false, detail: expect.stringMatching(/^not JSON/) });
    const expected = usd(1000, 200, CHEAP.input, CHEAP.output) + usd(1100, 30, STRONG.input, STRONG.output);
    expect(trace.attempts[0]?.costUsd).toBeCloseTo(usd(1000, 200, CHEAP.input, CHEAP.output), 15);
    expect(trace.attempts[1]?.costUsd).toBeCloseTo(usd(1100, 30, STRONG.input, STRONG.output), 15);
    expect(trace.costUsd).toBeCloseTo(expected, 15);
  });

  it('serves a passing cheap answer without calling the strong model', async () => {
    const running = await start(JSON_CASCADE);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: VALID_CITY, usage: { prompt_tokens: 1000, completion_tokens: 200 } }) });
    const { data, response } = await client(running).chat.completions.create(cityRequest()).withResponse();
    expect(data.choices[0]?.message.content).toBe(VALID_CITY);
    expect(data.model).toBe('cheap');
    expect(wireModels()).toEqual(['cheap-wire']);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(usd(1000, 200, CHEAP.input, CHEAP.output), 15);
    const trace = traceOf(running, response);
    expect(trace.attempts).toEqual([expect.objectContaining({ model: 'cheap', step: 0, outcome: 'ok', checks: [{ check: 'json_schema', passed: true }] })]);
    expect(trace.notes).toEqual([]);
  });

  it('replays a passing cheap answer as a stream without calling the strong model', async () => {
    const running = await start(JSON_CASCADE);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: VALID_CITY, usage: { prompt_tokens: 1000, completion_tokens: 200 } }) });
    const { data: stream, response } = await client(running).chat.completions.create({ ...cityRequest(), stream: true, stream_options: { include_usage: true } }).withResponse();
    const { chunks, text } = await collect(stream);
    expect(text).toBe(VALID_CITY);
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 200 });
    expect(wireModels()).toEqual(['cheap-wire']);
    expect(upstream.requests[0]?.body?.['stream']).toBeUndefined();
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    const trace = await streamedTrace(running, response);
    expect(trace.attempts).toEqual([expect.objectContaining({ model: 'cheap', step: 0, outcome: 'ok' })]);
    expect(trace.costUsd).toBeCloseTo(usd(1000, 200, CHEAP.input, CHEAP.output), 15);
  });

  it('counts one attempt in x-switchyard-attempts when a passing cheap answer is replayed as a stream', async () => {
    const running = await start(JSON_CASCADE);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: VALID_CITY }) });
    const { data: stream, response } = await client(running).chat.completions.create({ ...cityRequest(), stream: true }).withResponse();
    await collect(stream);
    const trace = await streamedTrace(running, response);
    expect(trace.attempts.filter((attempt) => attempt.role === 'answer')).toHaveLength(1);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
  });

  it('with response_format json_object, passes any JSON object and rejects a JSON array', async () => {
    const running = await start(JSON_CASCADE);
    byModel({ 'cheap-wire': (_, count) => ({ type: 'completion', text: count === 1 ? '{"anything": [1, 2]}' : '[1, 2, 3]' }) });
    const request = { model: 'casc', messages: [{ role: 'user' as const, content: 'Some JSON please' }], response_format: { type: 'json_object' as const } };
    const first = await client(running).chat.completions.create(request).withResponse();
    expect(first.data.choices[0]?.message.content).toBe('{"anything": [1, 2]}');
    expect(wireModels()).toEqual(['cheap-wire']);

    const second = await client(running).chat.completions.create(request).withResponse();
    expect(second.data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(traceOf(running, second.response).attempts[0]?.checks).toEqual([{ check: 'json_schema', passed: false, detail: 'not a JSON object' }]);
  });

  it('passes any text when the request asks for no JSON', async () => {
    const running = await start(JSON_CASCADE);
    const { data, response } = await client(running).chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    expect(wireModels()).toEqual(['cheap-wire']);
    expect(traceOf(running, response).attempts[0]?.checks).toEqual([{ check: 'json_schema', passed: true, detail: 'the request asks for no JSON' }]);
  });

  it('validates tool-call arguments against the tool parameters', async () => {
    const running = await start(JSON_CASCADE);
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } }, required: ['city'] },
        },
      },
    ];
    const ask = () => client(running).chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools }).withResponse();
    byModel({
      'cheap-wire': (_, count) => ({
        type: 'completion',
        toolCalls: [{ id: 'call_cheap', name: 'get_weather', arguments: count === 1 ? '{"town":"Paris"}' : count === 2 ? '{"city": "Paris", "days"' : '{"city":"Paris","days":3}' }],
      }),
      'strong-wire': () => ({ type: 'completion', toolCalls: [{ id: 'call_strong', name: 'get_weather', arguments: '{"city":"Paris"}' }] }),
    });

    // Missing a required argument: escalated.
    const missing = await ask();
    expect(missing.data.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: 'call_strong', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(missing.data.choices[0]?.finish_reason).toBe('tool_calls');
    expect(traceOf(running, missing.response).attempts[0]).toMatchObject({
      outcome: 'rejected',
      checks: [{ check: 'json_schema', passed: false, detail: expect.stringMatching(/^the arguments of get_weather: .*city/) }],
    });

    // Arguments that are not JSON: escalated.
    const broken = await ask();
    expect(broken.data.choices[0]?.message.tool_calls?.[0]?.id).toBe('call_strong');
    expect(traceOf(running, broken.response).attempts[0]?.checks?.[0]).toMatchObject({ passed: false, detail: expect.stringMatching(/^the arguments of get_weather are not JSON/) });

    // Valid arguments: the cheap call is served.
    const valid = await ask();
    expect(valid.data.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: 'call_cheap', function: { arguments: '{"city":"Paris","days":3}' } });
    expect(upstream.requestsFor('strong-wire')).toHaveLength(2);
    expect(upstream.requestsFor('cheap-wire')).toHaveLength(3);
  });
});

describe('three-step cascade [cheap, coder, strong]', () => {
  const THREE = '{ cascade: { models: [cheap, coder, strong], check: { json_schema: true } } }';

  it('escalates in order, cheap then coder then strong, and sums the three costs', async () => {
    const running = await start(THREE);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'nope', usage: { prompt_tokens: 100, completion_tokens: 10 } }),
      'coder-wire': () => ({ type: 'completion', text: '{"city": 1}', usage: { prompt_tokens: 200, completion_tokens: 20 } }),
      'strong-wire': () => ({ type: 'completion', text: VALID_CITY, usage: { prompt_tokens: 300, completion_tokens: 30 } }),
    });
    const { data, response } = await client(running).chat.completions.create(cityRequest()).withResponse();
    expect(data.choices[0]?.message.content).toBe(VALID_CITY);
    expect(wireModels()).toEqual(['cheap-wire', 'coder-wire', 'strong-wire']);
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.step, attempt.outcome])).toEqual([
      ['cheap', 0, 'rejected'],
      ['coder', 1, 'rejected'],
      ['strong', 2, 'ok'],
    ]);
    expect(trace.notes).toEqual([expect.stringMatching(/^step 0 \(cheap\) failed its check/), expect.stringMatching(/^step 1 \(coder\) failed its check/)]);
    const expected = usd(100, 10, CHEAP.input, CHEAP.output) + usd(200, 20, CODER.input, CODER.output) + usd(300, 30, STRONG.input, STRONG.output);
    expect(trace.costUsd).toBeCloseTo(expected, 15);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(expected, 15);
    expect(response.headers.get('x-switchyard-attempts')).toBe('3');
  });

  it('stops at the middle step when it passes', async () => {
    const running = await start(THREE);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'nope' }), 'coder-wire': () => ({ type: 'completion', text: VALID_CITY }) });
    const { data, response } = await client(running).chat.completions.create(cityRequest()).withResponse();
    expect(data.model).toBe('coder');
    expect(data.choices[0]?.message.content).toBe(VALID_CITY);
    expect(wireModels()).toEqual(['cheap-wire', 'coder-wire']);
    expect(traceOf(running, response).attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      ['cheap', 'rejected'],
      ['coder', 'ok'],
    ]);
  });

  it('streams the middle step when it passes, and the upstream never sees a request for the strong model', async () => {
    const running = await start(THREE);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'CHEAPMARKER nope' }), 'coder-wire': () => ({ type: 'completion', text: VALID_CITY }) });
    const { data: stream, response } = await client(running).chat.completions.create({ ...cityRequest(), stream: true }).withResponse();
    const { chunks, text } = await collect(stream);
    expect(text).toBe(VALID_CITY);
    expect(chunks.some((chunk) => JSON.stringify(chunk).includes('CHEAPMARKER'))).toBe(false);
    expect(wireModels()).toEqual(['cheap-wire', 'coder-wire']);
    expect(response.headers.get('x-switchyard-model')).toBe('coder');
  });
});

describe('the other checks', () => {
  it('regex: escalates an answer that does not match, passes one that does (flags honoured)', async () => {
    const running = await start('{ cascade: { models: [cheap, strong], check: { regex: "/^answer: \\\\d+$/i" } } }');
    byModel({ 'cheap-wire': (_, count) => ({ type: 'completion', text: count === 1 ? 'I believe it is 42' : 'ANSWER: 42' }) });
    const ask = () => client(running).chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'six times seven' }] }).withResponse();

    const failed = await ask();
    expect(failed.data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(traceOf(running, failed.response).attempts[0]).toMatchObject({ outcome: 'rejected', checks: [{ check: 'regex', passed: false, detail: expect.stringContaining('does not match') }] });

    const passed = await ask();
    expect(passed.data.choices[0]?.message.content).toBe('ANSWER: 42');
    expect(upstream.requestsFor('strong-wire')).toHaveLength(1);
  });

  it('min_length: escalates a short answer, passes a long enough one', async () => {
    const running = await start('{ cascade: { models: [cheap, strong], check: { min_length: 20 } } }');
    byModel({ 'cheap-wire': (_, count) => ({ type: 'completion', text: count === 1 ? 'Too short.' : 'This answer is long enough.' }) });
    const ask = () => client(running).chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'explain' }] }).withResponse();

    const failed = await ask();
    expect(failed.data.model).toBe('strong');
    expect(traceOf(running, failed.response).attempts[0]?.checks).toEqual([{ check: 'min_length', passed: false, detail: '10 characters (at least 20)' }]);

    const passed = await ask();
    expect(passed.data.model).toBe('cheap');
    expect(passed.data.choices[0]?.message.content).toBe('This answer is long enough.');
  });

  it('refusal: escalates a declining answer and a content_filter stop, and keeps an answer that merely says "I can\'t"', async () => {
    const running = await start('{ cascade: { models: [cheap, strong], check: { refusal: true } } }');
    const cheap: FakeResponse[] = [
      { type: 'completion', text: "I'm sorry, but I can't help with that." },
      { type: 'completion', text: 'Here is part of it', finishReason: 'content_filter' },
      { type: 'completion', text: "I can't stress enough how useful this is: use a map." },
    ];
    byModel({ 'cheap-wire': (_, count) => cheap[count - 1] as FakeResponse });
    const ask = () => client(running).chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'help me' }] }).withResponse();

    const declined = await ask();
    expect(declined.data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(traceOf(running, declined.response).attempts[0]).toMatchObject({ outcome: 'rejected', checks: [{ check: 'refusal', passed: false, detail: 'the answer declines the request' }] });

    const filtered = await ask();
    expect(filtered.data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(filtered.data.choices[0]?.finish_reason).toBe('stop');
    expect(traceOf(running, filtered.response).attempts[0]?.checks).toEqual([{ check: 'refusal', passed: false, detail: 'stopped by a content filter' }]);

    const fine = await ask();
    expect(fine.data.model).toBe('cheap');
    expect(upstream.requestsFor('strong-wire')).toHaveLength(2);
  });

  it('refusal, streamed: the declining cheap answer never reaches the client', async () => {
    const running = await start('{ cascade: { models: [cheap, strong], check: { refusal: true } } }');
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: "I'm sorry, but I can't help with that." }) });
    const { data: stream } = await client(running).chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'help me' }], stream: true }).withResponse();
    const { chunks, text } = await collect(stream);
    expect(text).toBe(defaultReply('strong-wire'));
    expect(chunks.some((chunk) => JSON.stringify(chunk).includes('sorry'))).toBe(false);
  });
});

describe('judge check', () => {
  const JUDGED = '{ cascade: { models: [cheap, strong], check: { judge: { model: coder, threshold: 0.7, rubric: "Names the right city." } } } }';
  const ask = (running: TestGateway) => client(running).chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'Which city is the capital of France?' }] }).withResponse();

  it('escalates on a low grade; the judge call is an attempt with role judge, and its cost counts', async () => {
    const running = await start(JUDGED);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'CHEAPANSWER Lyon', usage: { prompt_tokens: 100, completion_tokens: 10 } }),
      'coder-wire': () => ({ type: 'completion', text: '{"score":0.2}', usage: { prompt_tokens: 300, completion_tokens: 8 } }),
      'strong-wire': () => ({ type: 'completion', text: 'Paris', usage: { prompt_tokens: 100, completion_tokens: 5 } }),
    });
    const { data, response } = await ask(running);
    expect(data.choices[0]?.message.content).toBe('Paris');
    expect(wireModels()).toEqual(['cheap-wire', 'coder-wire', 'strong-wire']);
    // The judge read the request, the answer and the rubric.
    const judged = JSON.stringify(upstream.requestsFor('coder-wire')[0]?.body?.['messages']);
    expect(judged).toContain('CHEAPANSWER Lyon');
    expect(judged).toContain('Which city is the capital of France?');
    expect(judged).toContain('Names the right city.');

    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.role, attempt.step, attempt.outcome])).toEqual([
      ['cheap', 'answer', 0, 'rejected'],
      ['coder', 'judge', 0, 'ok'],
      ['strong', 'answer', 1, 'ok'],
    ]);
    expect(trace.attempts[0]?.checks).toEqual([{ check: 'judge', passed: false, score: 0.2, detail: 'coder graded 0.2 (pass at 0.7)' }]);
    const judgeCost = usd(300, 8, CODER.input, CODER.output);
    expect(trace.attempts[1]?.costUsd).toBeCloseTo(judgeCost, 15);
    const expected = usd(100, 10, CHEAP.input, CHEAP.output) + judgeCost + usd(100, 5, STRONG.input, STRONG.output);
    expect(trace.costUsd).toBeCloseTo(expected, 15);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(expected, 15);
    // The judge's call is not an answering attempt.
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('serves the cheap answer on a high grade, without calling the strong model', async () => {
    const running = await start(JUDGED);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'Paris', usage: { prompt_tokens: 100, completion_tokens: 10 } }),
      'coder-wire': () => ({ type: 'completion', text: '{"score":0.9}', usage: { prompt_tokens: 300, completion_tokens: 8 } }),
    });
    const { data, response } = await ask(running);
    expect(data.model).toBe('cheap');
    expect(data.choices[0]?.message.content).toBe('Paris');
    expect(wireModels()).toEqual(['cheap-wire', 'coder-wire']);
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.role, attempt.outcome])).toEqual([
      ['cheap', 'answer', 'ok'],
      ['coder', 'judge', 'ok'],
    ]);
    expect(trace.attempts[0]?.checks).toEqual([{ check: 'judge', passed: true, score: 0.9, detail: 'coder graded 0.9 (pass at 0.7)' }]);
    const expected = usd(100, 10, CHEAP.input, CHEAP.output) + usd(300, 8, CODER.input, CODER.output);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(expected, 15);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
  });

  it('passes a grade exactly at the threshold, and a bare number is a grade', async () => {
    const running = await start(JUDGED);
    byModel({ 'coder-wire': () => ({ type: 'completion', text: '0.7' }) });
    const { data, response } = await ask(running);
    expect(data.model).toBe('cheap');
    expect(traceOf(running, response).attempts[0]?.checks).toEqual([{ check: 'judge', passed: true, score: 0.7, detail: 'coder graded 0.7 (pass at 0.7)' }]);
  });

  it('escalates with a note when the judge answers garbage', async () => {
    const running = await start(JUDGED);
    byModel({ 'coder-wire': () => ({ type: 'completion', text: 'Looks great to me!' }) });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    const trace = traceOf(running, response);
    expect(trace.attempts[0]?.checks).toEqual([{ check: 'judge', passed: false, detail: expect.stringContaining('not a score from 0 to 1') }]);
    expect(trace.notes).toEqual([expect.stringMatching(/^step 0 \(cheap\) failed its check: judge \(the judge coder answered "Looks great to me!", not a score/)]);
  });

  it('escalates on a grade out of range', async () => {
    const running = await start(JUDGED);
    byModel({ 'coder-wire': () => ({ type: 'completion', text: '{"score": 7}' }) });
    expect((await ask(running)).data.model).toBe('strong');
  });

  it('escalates with a note when the judge fails (500), and the failed judge call is in the trace', async () => {
    const running = await start(JUDGED);
    byModel({ 'coder-wire': () => ({ type: 'error', status: 500, message: 'judge broke' }) });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    expect(data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.role, attempt.outcome])).toEqual([
      ['cheap', 'answer', 'rejected'],
      ['coder', 'judge', 'error'],
      ['strong', 'answer', 'ok'],
    ]);
    expect(trace.attempts[1]?.error?.status).toBe(500);
    expect(trace.notes.join('\n')).toMatch(/the judge coder failed/);
    expect(trace.status).toBe('ok');
  });

  it('runs the judge only when the free checks passed', async () => {
    const running = await start('{ cascade: { models: [cheap, strong], check: { min_length: 50, judge: { model: coder } } } }');
    byModel({ 'coder-wire': () => ({ type: 'completion', text: '{"score":1}' }) });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    expect(upstream.requestsFor('coder-wire')).toHaveLength(0);
    expect(traceOf(running, response).attempts[0]?.checks?.map((check) => check.check)).toEqual(['min_length']);
  });
});

describe('logprobs check', () => {
  const CONFIDENT = '{ cascade: { models: [cheap, strong], check: { logprobs: { min: 0.8 } } } }';
  const ask = (running: TestGateway, extra: Record<string, unknown> = {}) =>
    client(running).chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'What is two plus two?' }], ...extra }).withResponse();

  it('asks the checked step for logprobs, passes a confident answer and does not show the logprobs to the client', async () => {
    const running = await start(CONFIDENT);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'It is four', logprobs: [-0.01, -0.02, -0.03] }) });
    const raw = await fetch(`${running.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'casc', messages: [{ role: 'user', content: 'What is two plus two?' }] }) });
    const body = (await raw.json()) as { model: string; choices: { message: { content: string }; logprobs: unknown }[] };
    expect(body.model).toBe('cheap');
    expect(body.choices[0]?.message.content).toBe('It is four');
    expect(body.choices[0]?.logprobs ?? null).toBeNull();
    expect(JSON.stringify(body)).not.toContain('logprob"');
    expect(upstream.requestsFor('cheap-wire')[0]?.body?.['logprobs']).toBe(true);
    expect(upstream.requestsFor('strong-wire')).toHaveLength(0);
    const trace = traceOf(running, raw);
    expect(trace.attempts[0]?.checks).toEqual([{ check: 'logprobs', passed: true, score: expect.closeTo(Math.exp(-0.02), 4), detail: expect.stringContaining('at least 0.8') }]);
  });

  it('escalates a low-confidence answer; the last step is not asked for logprobs', async () => {
    const running = await start(CONFIDENT);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'maybe it is five', logprobs: [-1, -2, -0.5, -0.5] }) });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    expect(upstream.requestsFor('cheap-wire')[0]?.body?.['logprobs']).toBe(true);
    expect(upstream.requestsFor('strong-wire')[0]?.body).not.toHaveProperty('logprobs');
    const check = traceOf(running, response).attempts[0]?.checks?.[0];
    expect(check).toMatchObject({ check: 'logprobs', passed: false, score: expect.closeTo(Math.exp(-1), 4) });
  });

  it('escalates an answer without logprobs (unknown confidence is not high confidence)', async () => {
    const running = await start(CONFIDENT);
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    expect(traceOf(running, response).attempts[0]?.checks).toEqual([{ check: 'logprobs', passed: false, detail: 'the model returned no logprobs' }]);
  });

  it('keeps the logprobs when the client asked for them', async () => {
    const running = await start(CONFIDENT);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'It is four', logprobs: [-0.01, -0.02, -0.03] }) });
    const { data } = await ask(running, { logprobs: true });
    expect(data.model).toBe('cheap');
    expect(data.choices[0]?.logprobs?.content?.map((token) => token.logprob)).toEqual([-0.01, -0.02, -0.03]);
  });

  it('streamed: asks for logprobs upstream, replays the passing answer without them', async () => {
    const running = await start(CONFIDENT);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'It is four', logprobs: [-0.01, -0.02, -0.03] }) });
    const { data: stream } = await client(running).chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'What is two plus two?' }], stream: true }).withResponse();
    const { chunks, text } = await collect(stream);
    expect(text).toBe('It is four');
    expect(upstream.requestsFor('cheap-wire')[0]?.body?.['logprobs']).toBe(true);
    expect(chunks.every((chunk) => (chunk.choices[0]?.logprobs ?? null) === null)).toBe(true);
  });

  it('streamed: keeps the logprobs of a replayed answer when the client asked for them', async () => {
    const running = await start(CONFIDENT);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'It is four', logprobs: [-0.01, -0.02, -0.03] }) });
    const { data: stream } = await client(running)
      .chat.completions.create({ model: 'casc', messages: [{ role: 'user', content: 'What is two plus two?' }], stream: true, logprobs: true })
      .withResponse();
    const { chunks, text } = await collect(stream);
    expect(text).toBe('It is four');
    expect(upstream.requestsFor('strong-wire')).toHaveLength(0);
    const logprobs = chunks.flatMap((chunk) => chunk.choices[0]?.logprobs?.content ?? []).map((token) => token.logprob);
    expect(logprobs).toEqual([-0.01, -0.02, -0.03]);
  });
});

describe('failing steps', () => {
  it('escalates a step that errors (500), with a note', async () => {
    const running = await start(JSON_CASCADE);
    byModel({ 'cheap-wire': () => ({ type: 'error', status: 500, message: 'cheap is down' }), 'strong-wire': () => ({ type: 'completion', text: VALID_CITY, usage: { prompt_tokens: 10, completion_tokens: 10 } }) });
    const { data, response } = await client(running).chat.completions.create(cityRequest()).withResponse();
    expect(data.choices[0]?.message.content).toBe(VALID_CITY);
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.step, attempt.outcome, attempt.error?.status])).toEqual([
      ['cheap', 0, 'error', 500],
      ['strong', 1, 'ok', undefined],
    ]);
    expect(trace.notes).toEqual([expect.stringMatching(/^step 0 \(cheap\) failed: .*; escalated$/)]);
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    // The failed call reported no usage, so only the strong answer is billed.
    expect(trace.costUsd).toBeCloseTo(usd(10, 10, STRONG.input, STRONG.output), 15);
  });

  it('escalates a step that errors, streamed', async () => {
    const running = await start(JSON_CASCADE);
    byModel({ 'cheap-wire': () => ({ type: 'error', status: 500 }), 'strong-wire': () => ({ type: 'completion', text: VALID_CITY }) });
    const { data: stream } = await client(running).chat.completions.create({ ...cityRequest(), stream: true }).withResponse();
    expect((await collect(stream)).text).toBe(VALID_CITY);
  });

  it("returns an error to the client when the last step fails after a rejection", async () => {
    const running = await start(JSON_CASCADE);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'not json' }), 'strong-wire': () => ({ type: 'error', status: 500, message: 'strong is down' }) });
    const response = await fetch(`${running.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(cityRequest()) });
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string }; choices?: unknown };
    expect(body.error.code).toBe('all_attempts_failed');
    expect(body.choices).toBeUndefined();
    // Nothing of the rejected answer is handed out.
    expect(JSON.stringify(body)).not.toContain('not json');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    const trace = traceOf(running, response);
    expect(trace.status).toBe('error');
    expect(trace.model).toBeNull();
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      ['cheap', 'rejected'],
      ['strong', 'error'],
    ]);

    await expect(client(running).chat.completions.create(cityRequest())).rejects.toMatchObject({ status: 503 });
  });

  it('returns an error when every step errors, and when the last step fails before streaming', async () => {
    const running = await start(JSON_CASCADE);
    upstream.respond({ type: 'error', status: 500 });
    const json = await fetch(`${running.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(cityRequest()) });
    expect(json.status).toBe(503);
    expect(wireModels()).toEqual(['cheap-wire', 'strong-wire']);

    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'not json' }), 'strong-wire': () => ({ type: 'error', status: 502 }) });
    const streamed = await fetch(`${running.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ ...cityRequest(), stream: true }) });
    expect(streamed.status).toBe(503);
    expect(streamed.headers.get('content-type')).not.toContain('text/event-stream');
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe('all_attempts_failed');
  });
});
