import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeResponse, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';
import { answerByModel, CHEAP, CODER, collectStream, openaiClient, STRONG, streamedTrace, traceOf, usd } from '../support/policy-test-helpers.js';
import { abandonableChat } from '../support/abandoned-request.js';

/**
 * The parallel policy end to end: every model asked at once, one answer kept. The fake upstream
 * answers each model after its own delay, so which branch wins is scripted; the tests check the
 * answer, the cancelled upstream requests, the trace (picked, cancelled, notes) and the costs.
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

/** The test config's models (cheap, coder, strong) with a router `par` whose default is `policy`. */
async function start(policy: string): Promise<TestGateway> {
  gateway = await startGateway(testConfig(upstream.url, `  par:\n    default: ${policy}\n`));
  return gateway;
}

const client = openaiClient;

const byModel = (responses: Parameters<typeof answerByModel>[1]): void => answerByModel(upstream, responses);

const ask = (running: TestGateway, content = 'What is the capital of France?') =>
  client(running).chat.completions.create({ model: 'par', messages: [{ role: 'user', content }] }).withResponse();



const collect = collectStream;


const SLOW = 3000;

describe('pick: first', () => {
  const FIRST = '{ parallel: { models: [cheap, strong], pick: first } }';

  it('returns the faster answer and cancels the slower upstream request', async () => {
    const running = await start(FIRST);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'Paris, quickly.', delayMs: 20, usage: { prompt_tokens: 1000, completion_tokens: 100 } }),
      'strong-wire': () => ({ type: 'completion', text: 'Paris, slowly.', delayMs: SLOW, usage: { prompt_tokens: 1000, completion_tokens: 100 } }),
    });
    const started = performance.now();
    const { data, response } = await ask(running);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(data.model).toBe('cheap');
    expect(data.choices[0]?.message.content).toBe('Paris, quickly.');
    // Both were asked at once; the slower one was cut off.
    expect(upstream.requests.map((request) => request.body?.['model']).sort()).toEqual(['cheap-wire', 'strong-wire']);
    expect(await upstream.requestsFor('strong-wire')[0]?.closed).toBe('aborted');
    expect(await upstream.requestsFor('cheap-wire')[0]?.closed).toBe('completed');

    const trace = traceOf(running, response);
    expect(trace.decision.policy).toBe('parallel');
    expect(trace.decision.candidates.map((candidate) => [candidate.model, candidate.step])).toEqual([
      ['cheap', 0],
      ['strong', 1],
    ]);
    const cheap = trace.attempts.find((attempt) => attempt.model === 'cheap');
    const strong = trace.attempts.find((attempt) => attempt.model === 'strong');
    expect(cheap).toMatchObject({ role: 'answer', step: 0, outcome: 'ok', picked: true });
    expect(strong).toMatchObject({ role: 'answer', step: 1, outcome: 'cancelled' });
    expect(strong?.picked).toBeUndefined();
    // Cancelled before it answered: no usage, no cost.
    expect(strong?.usage).toBeUndefined();
    expect(strong?.costUsd).toBeUndefined();
    const cheapCost = usd(1000, 100, CHEAP.input, CHEAP.output);
    expect(trace.costUsd).toBeCloseTo(cheapCost, 15);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(cheapCost, 15);
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(trace.status).toBe('ok');
  });

  it('does not favour the first listed model: a faster second model wins', async () => {
    const running = await start(FIRST);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'cheap was slow', delayMs: SLOW }),
      'strong-wire': () => ({ type: 'completion', text: 'strong was fast', delayMs: 20 }),
    });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    expect(data.choices[0]?.message.content).toBe('strong was fast');
    expect(await upstream.requestsFor('cheap-wire')[0]?.closed).toBe('aborted');
    const trace = traceOf(running, response);
    expect(trace.model).toBe('strong');
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.picked === true])).toEqual([
      ['cheap', 'cancelled', false],
      ['strong', 'ok', true],
    ]);
  });

  it('falls back to the slower answer when the fast branch fails (500)', async () => {
    const running = await start(FIRST);
    byModel({
      'cheap-wire': () => ({ type: 'error', status: 500, message: 'cheap broke' }),
      'strong-wire': () => ({ type: 'completion', text: 'strong answered', delayMs: 150, usage: { prompt_tokens: 10, completion_tokens: 10 } }),
    });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    expect(data.choices[0]?.message.content).toBe('strong answered');
    expect(await upstream.requestsFor('strong-wire')[0]?.closed).toBe('completed');
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.error?.status, attempt.picked === true])).toEqual([
      ['cheap', 'error', 500, false],
      ['strong', 'ok', undefined, true],
    ]);
    expect(trace.costUsd).toBeCloseTo(usd(10, 10, STRONG.input, STRONG.output), 15);
  });

  it('waits for another answer when the fast one is a refusal', async () => {
    const running = await start(FIRST);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: "I'm sorry, but I can't help with that.", delayMs: 10 }),
      'strong-wire': () => ({ type: 'completion', text: 'Here is how to do it.', delayMs: 200 }),
    });
    const started = performance.now();
    const { data, response } = await ask(running);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(data.model).toBe('strong');
    expect(data.choices[0]?.message.content).toBe('Here is how to do it.');
    const trace = traceOf(running, response);
    expect(trace.attempts.find((attempt) => attempt.picked)?.model).toBe('strong');
    expect(trace.notes).toContain('branch 0 (cheap) declined; waiting for another answer');
  });

  it('treats a content_filter stop as a refusal too', async () => {
    const running = await start(FIRST);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'partial', finishReason: 'content_filter', delayMs: 10 }),
      'strong-wire': () => ({ type: 'completion', text: 'full answer', delayMs: 150 }),
    });
    const { data } = await ask(running);
    expect(data.choices[0]?.message.content).toBe('full answer');
  });

  it('serves the first refusal when every branch refuses, with a note', async () => {
    const running = await start(FIRST);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: "I'm sorry, but I can't help with that.", delayMs: 10 }),
      'strong-wire': () => ({ type: 'completion', text: 'I cannot help with that.', delayMs: 100 }),
    });
    const { data, response } = await ask(running);
    expect(data.model).toBe('cheap');
    expect(data.choices[0]?.message.content).toBe("I'm sorry, but I can't help with that.");
    expect(traceOf(running, response).notes).toContain('no answer passed; kept the first to arrive (cheap)');
  });

  it('answers an error when every branch fails', async () => {
    const running = await start(FIRST);
    upstream.respond({ type: 'error', status: 500 });
    const response = await fetch(`${running.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'par', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('all_attempts_failed');
    expect(upstream.requests).toHaveLength(2);
  });

  it('streams the picked answer, and cancels the slower branch', async () => {
    const running = await start(FIRST);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'fast streamed answer', delayMs: 20, usage: { prompt_tokens: 100, completion_tokens: 10 } }),
      'strong-wire': () => ({ type: 'completion', text: 'SLOWMARKER answer', delayMs: SLOW }),
    });
    const started = performance.now();
    const { data: stream, response } = await client(running)
      .chat.completions.create({ model: 'par', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const { chunks, text } = await collect(stream);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(text).toBe('fast streamed answer');
    expect(chunks.some((chunk) => JSON.stringify(chunk).includes('SLOWMARKER'))).toBe(false);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 10 });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    // The branches answer in one piece; the picked one is replayed as a stream.
    expect(upstream.requestsFor('cheap-wire')[0]?.body?.['stream']).toBeUndefined();
    expect(await upstream.requestsFor('strong-wire')[0]?.closed).toBe('aborted');
    const trace = await streamedTrace(running, response);
    expect(trace.stream).toBe(true);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.picked === true])).toEqual([
      ['cheap', 'ok', true],
      ['strong', 'cancelled', false],
    ]);
    expect(trace.costUsd).toBeCloseTo(usd(100, 10, CHEAP.input, CHEAP.output), 15);
  });

  it('counts the answering attempts in x-switchyard-attempts for a streamed request as for a JSON one', async () => {
    const running = await start(FIRST);
    byModel({ 'cheap-wire': () => ({ type: 'completion', text: 'fast', delayMs: 20 }), 'strong-wire': () => ({ type: 'completion', text: 'slow', delayMs: SLOW }) });
    const { data: stream, response } = await client(running).chat.completions.create({ model: 'par', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    await collect(stream);
    const trace = await streamedTrace(running, response);
    expect(trace.attempts.filter((attempt) => attempt.role === 'answer')).toHaveLength(2);
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  });
});

describe('pick: judge', () => {
  it("keeps the served answer's usage in the trace when the judge is the same model as the winner", async () => {
    const running = await start('{ parallel: { models: [cheap, strong], pick: { judge: { model: cheap } } } }');
    upstream.respond((request) => {
      const judging = JSON.stringify(request.body?.['messages']).includes('You compare answers');
      if (judging) return { type: 'completion', text: '{"best": 1}', usage: { prompt_tokens: 900, completion_tokens: 9 } };
      if (request.body?.['model'] === 'cheap-wire') return { type: 'completion', text: 'cheap answer', delayMs: 10, usage: { prompt_tokens: 100, completion_tokens: 10 } };
      return { type: 'completion', text: 'strong answer', delayMs: 120, usage: { prompt_tokens: 100, completion_tokens: 20 } };
    });
    const { data, response } = await ask(running);
    expect(data.model).toBe('cheap');
    expect(data.usage?.prompt_tokens).toBe(100);
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.role])).toEqual([
      ['cheap', 'answer'],
      ['strong', 'answer'],
      ['cheap', 'judge'],
    ]);
    // The usage (and the reference cost) is the served answer's, not the judge's later call to the same model.
    expect(trace.usage?.inputTokens).toBe(100);
    expect(trace.usage?.outputTokens).toBe(10);
  });

  const JUDGED = '{ parallel: { models: [cheap, strong], pick: { judge: { model: coder, rubric: "Prefers the correct city." } } } }';

  it('shows both answers to the judge and serves the one it picks; every call is billed', async () => {
    const running = await start(JUDGED);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'ANSWER-ONE Lyon', delayMs: 10, usage: { prompt_tokens: 100, completion_tokens: 10 } }),
      'strong-wire': () => ({ type: 'completion', text: 'ANSWER-TWO Paris', delayMs: 150, usage: { prompt_tokens: 100, completion_tokens: 10 } }),
      'coder-wire': () => ({ type: 'completion', text: '{"best": 2}', usage: { prompt_tokens: 400, completion_tokens: 6 } }),
    });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    expect(data.choices[0]?.message.content).toBe('ANSWER-TWO Paris');
    // The judge waited for both and read them, numbered in the order they came.
    expect(await upstream.requestsFor('strong-wire')[0]?.closed).toBe('completed');
    const judgeRequests = upstream.requestsFor('coder-wire');
    expect(judgeRequests).toHaveLength(1);
    const judged = JSON.stringify(judgeRequests[0]?.body?.['messages']);
    expect(judged).toMatch(/Answer 1:\\n<<<\\nANSWER-ONE Lyon/);
    expect(judged).toMatch(/Answer 2:\\n<<<\\nANSWER-TWO Paris/);
    expect(judged).toContain('What is the capital of France?');
    expect(judged).toContain('Prefers the correct city.');

    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.role, attempt.outcome, attempt.picked === true])).toEqual([
      ['cheap', 'answer', 'ok', false],
      ['strong', 'answer', 'ok', true],
      ['coder', 'judge', 'ok', false],
    ]);
    expect(trace.notes).toContain('coder picked answer 2 of 2');
    const expected = usd(100, 10, CHEAP.input, CHEAP.output) + usd(100, 10, STRONG.input, STRONG.output) + usd(400, 6, CODER.input, CODER.output);
    expect(trace.attempts[2]?.costUsd).toBeCloseTo(usd(400, 6, CODER.input, CODER.output), 15);
    expect(trace.costUsd).toBeCloseTo(expected, 15);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(expected, 15);
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    // The served usage is the picked answer's.
    expect(trace.usage).toMatchObject({ inputTokens: 100, outputTokens: 10 });
  });

  it('picks the first answer when the judge says 1', async () => {
    const running = await start(JUDGED);
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'one', delayMs: 10 }),
      'strong-wire': () => ({ type: 'completion', text: 'two', delayMs: 100 }),
      'coder-wire': () => ({ type: 'completion', text: '1' }),
    });
    const { data } = await ask(running);
    expect(data.choices[0]?.message.content).toBe('one');
  });

  it.each([
    ['fails (500)', { type: 'error', status: 500, message: 'judge down' } as FakeResponse, /the judge coder failed/],
    ['answers garbage', { type: 'completion', text: 'The second one, clearly.' } as FakeResponse, /not an answer number from 1 to 2/],
    ['answers an answer number out of range', { type: 'completion', text: '{"best": 3}' } as FakeResponse, /not an answer number from 1 to 2/],
  ])('keeps the first answer to arrive when the judge %s, with a note', async (_, judgeAnswer, detail) => {
    const running = await start(JUDGED);
    byModel({
      // The first to arrive is the second listed model: the fallback is arrival order, not config order.
      'cheap-wire': () => ({ type: 'completion', text: 'cheap came second', delayMs: 150 }),
      'strong-wire': () => ({ type: 'completion', text: 'strong came first', delayMs: 10 }),
      'coder-wire': () => judgeAnswer,
    });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    expect(data.choices[0]?.message.content).toBe('strong came first');
    const trace = traceOf(running, response);
    expect(trace.notes).toEqual([expect.stringMatching(detail), 'kept the first answer to arrive (strong)']);
    expect(trace.attempts.find((attempt) => attempt.picked)?.model).toBe('strong');
    expect(trace.attempts.filter((attempt) => attempt.role === 'judge')).toHaveLength(1);
  });

  it('is bounded by timeout_ms: a branch that has not answered is cancelled and the judge is not needed for one answer', async () => {
    const running = await start('{ parallel: { models: [cheap, strong], pick: { judge: { model: coder } }, timeout_ms: 400 } }');
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'cheap in time', delayMs: 10 }),
      'strong-wire': () => ({ type: 'completion', text: 'strong too late', delayMs: SLOW }),
    });
    const started = performance.now();
    const { data, response } = await ask(running);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(1500);
    expect(data.choices[0]?.message.content).toBe('cheap in time');
    expect(await upstream.requestsFor('strong-wire')[0]?.closed).toBe('aborted');
    expect(upstream.requestsFor('coder-wire')).toHaveLength(0);
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      ['cheap', 'ok'],
      ['strong', 'cancelled'],
    ]);
    expect(trace.notes).toContain("the policy's 400 ms ran out; unfinished branches were cancelled");
  });

  it('does not claim branches were cancelled when every branch answered in time and only the judge was slow', async () => {
    const running = await start('{ parallel: { models: [cheap, strong], pick: { judge: { model: coder } }, timeout_ms: 400 } }');
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'one', delayMs: 10 }),
      'strong-wire': () => ({ type: 'completion', text: 'two', delayMs: 30 }),
      'coder-wire': () => ({ type: 'completion', text: '{"best": 2}', delayMs: 800 }),
    });
    const { data, response } = await ask(running);
    expect(['one', 'two']).toContain(data.choices[0]?.message.content);
    const trace = traceOf(running, response);
    const claimsCancelled = trace.notes.some((note) => note.includes('unfinished branches were cancelled'));
    expect(claimsCancelled).toBe(trace.attempts.some((attempt) => attempt.outcome === 'cancelled'));
  });
});

describe('pick: check', () => {
  it('serves the first answer that passes and cancels the branches still running', async () => {
    const running = await start('{ parallel: { models: [cheap, coder, strong], pick: { check: { regex: "^FINAL:" } } } }');
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'let me think', delayMs: 10, usage: { prompt_tokens: 100, completion_tokens: 10 } }),
      'coder-wire': () => ({ type: 'completion', text: 'FINAL: 42', delayMs: 150, usage: { prompt_tokens: 100, completion_tokens: 10 } }),
      'strong-wire': () => ({ type: 'completion', text: 'FINAL: 42, slowly', delayMs: SLOW }),
    });
    const started = performance.now();
    const { data, response } = await ask(running);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(data.model).toBe('coder');
    expect(data.choices[0]?.message.content).toBe('FINAL: 42');
    expect(await upstream.requestsFor('strong-wire')[0]?.closed).toBe('aborted');
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.step, attempt.outcome, attempt.picked === true])).toEqual([
      ['cheap', 0, 'rejected', false],
      ['coder', 1, 'ok', true],
      ['strong', 2, 'cancelled', false],
    ]);
    expect(trace.attempts[0]?.checks).toEqual([{ check: 'regex', passed: false, detail: 'does not match ^FINAL:' }]);
    expect(trace.attempts[1]?.checks).toEqual([{ check: 'regex', passed: true, detail: 'matches ^FINAL:' }]);
    // The rejected answer was billed too; the cancelled one was not.
    const expected = usd(100, 10, CHEAP.input, CHEAP.output) + usd(100, 10, CODER.input, CODER.output);
    expect(trace.costUsd).toBeCloseTo(expected, 15);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(expected, 15);
  });

  it('serves the first answer to arrive when none passes, with a note', async () => {
    const running = await start('{ parallel: { models: [cheap, strong], pick: { check: { regex: "^FINAL:" } } } }');
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'cheap, second', delayMs: 150 }),
      'strong-wire': () => ({ type: 'completion', text: 'strong, first', delayMs: 10 }),
    });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    expect(data.choices[0]?.message.content).toBe('strong, first');
    const trace = traceOf(running, response);
    expect(trace.notes).toContain('no answer passed; kept the first to arrive (strong)');
    // The answer served failed its check too, but it is the one the client got: ok, with its failed checks.
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.checks?.[0]?.passed])).toEqual([
      ['cheap', 'rejected', false],
      ['strong', 'ok', false],
    ]);
  });

  it('marks the kept answer picked and keeps its usage in the trace when none passes', async () => {
    const running = await start('{ parallel: { models: [cheap, strong], pick: { check: { regex: "^FINAL:" } } } }');
    byModel({
      'cheap-wire': () => ({ type: 'completion', text: 'cheap, second', delayMs: 150, usage: { prompt_tokens: 50, completion_tokens: 5 } }),
      'strong-wire': () => ({ type: 'completion', text: 'strong, first', delayMs: 10, usage: { prompt_tokens: 70, completion_tokens: 7 } }),
    });
    const { data, response } = await ask(running);
    expect(data.model).toBe('strong');
    const trace = traceOf(running, response);
    expect(trace.attempts.find((attempt) => attempt.picked === true)?.model).toBe('strong');
    expect(trace.usage).toMatchObject({ inputTokens: 70, outputTokens: 7 });
  });
});

describe('a client that goes away', () => {
  it('stops every branch at once; their attempts are aborted, not cancelled by the policy', async () => {
    const running = await start('{ parallel: { models: [cheap, strong], pick: first } }');
    upstream.respond({ type: 'completion', text: 'far too late', delayMs: SLOW });
    const client = abandonableChat(running.baseURL, 'par');
    await expect.poll(() => upstream.requests.length).toBe(2);
    const started = performance.now();
    client.abandon();
    expect(await client.settled).toBe('aborted');
    expect(await Promise.all(upstream.requests.map((request) => request.closed))).toEqual(['aborted', 'aborted']);
    expect(performance.now() - started).toBeLessThan(SLOW / 2);
    await expect.poll(() => running.gateway.traces.list()[0]?.status).toBe('aborted');
    expect(running.gateway.traces.list()[0]?.attempts.map((attempt) => attempt.error?.kind)).toEqual(['aborted', 'aborted']);
  });
});

describe('timeout_ms', () => {
  it('answers 504 quickly when no branch answers in time, and aborts every upstream request', async () => {
    const running = await start('{ parallel: { models: [cheap, strong], pick: first, timeout_ms: 300 } }');
    upstream.respond({ type: 'completion', text: 'far too late', delayMs: SLOW });
    const started = performance.now();
    const response = await fetch(`${running.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'par', messages: [{ role: 'user', content: 'hi' }] }) });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(504);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_timeout');
    expect(body.error.message).toContain('300 ms');
    expect(upstream.requests).toHaveLength(2);
    expect(await Promise.all(upstream.requests.map((request) => request.closed))).toEqual(['aborted', 'aborted']);
    const trace = traceOf(running, response);
    expect(trace.status).toBe('error');
    expect(trace.error?.kind).toBe('upstream_timeout');
    expect(trace.attempts.map((attempt) => attempt.outcome)).toEqual(['cancelled', 'cancelled']);
    expect(trace.notes).toContain("the policy's 300 ms ran out; unfinished branches were cancelled");
    expect(trace.costUsd).toBeUndefined();
  });

  it('answers the openai client with an error for a streamed request too', async () => {
    const running = await start('{ parallel: { models: [cheap, strong], pick: first, timeout_ms: 300 } }');
    upstream.respond({ type: 'completion', text: 'far too late', delayMs: SLOW });
    const started = performance.now();
    await expect(client(running).chat.completions.create({ model: 'par', messages: [{ role: 'user', content: 'hi' }], stream: true })).rejects.toMatchObject({ status: 504 });
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
