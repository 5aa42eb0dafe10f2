import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/spec/decision.js';
import type { Trace } from '../../src/spec/trace.js';
import { defaultReply, startFakeUpstream, type FakeResponse, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { openaiClient, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Routers with an LLM classifier in front of the fake upstream: a cheap model (`clf`, wire id
 * `clf-wire`, or `clf-json` with structured output) names the route; the answering models are
 * the usual ones. The classifier's requests are told apart by their wire model.
 */

const CLF = 'clf-wire';
const CLF_JSON = 'clf-json-wire';
const ROUTES = `
      unsafe:   { when: { keywords: ["build a bomb"] }, block: "I can't help with that request." }
      code:     { description: "Programming questions and code", when: { keywords: [python] }, target: coder }
      creative: { description: "Stories and poems", when: { keywords: [story, poem] }, target: strong }`;
const CUSTOM_PROMPT = 'Sort the message into one bucket.\nBuckets:\n{routes}\nReply with the bucket name only.';

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

async function start(): Promise<TestGateway> {
  gateway = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  cheap:    { provider: fake, model: cheap-wire,    price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  coder:    { provider: fake, model: coder-wire,    price: { input: 0.27, output: 1.1 }, context_window: 64000 }
  strong:   { provider: fake, model: strong-wire,   price: { input: 3, output: 15 }, context_window: 200000 }
  clf:      { provider: fake, model: ${CLF},        price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  clf-json: { provider: fake, model: ${CLF_JSON},   price: { input: 0.15, output: 0.6 }, context_window: 128000, capabilities: { json_schema: true } }
routers:
  llm:
    reference: strong
    classifier: { type: llm, model: clf, timeout_ms: 1000 }
    routes:${ROUTES}
    default: cheap
  hasty:
    classifier: { type: llm, model: clf, timeout_ms: 200 }
    routes:${ROUTES}
    default: cheap
  structured:
    classifier: { type: llm, model: clf-json, timeout_ms: 1000 }
    routes:${ROUTES}
    default: cheap
  nocache:
    classifier: { type: llm, model: clf, timeout_ms: 1000, cache: { size: 0 } }
    routes:${ROUTES}
    default: cheap
  shortlived:
    classifier: { type: llm, model: clf, timeout_ms: 1000, cache: { ttl_ms: 500 } }
    routes:${ROUTES}
    default: cheap
  custom:
    description: "Small talk and everything else"
    classifier: { type: llm, model: clf, timeout_ms: 1000, prompt: ${JSON.stringify(CUSTOM_PROMPT)}, max_chars: 20 }
    routes:${ROUTES}
    default: cheap
`);
  return gateway;
}

/** The classifier answers with `classifier(request)`; every answering model with its default reply. */
function classifierAnswers(classifier: (request: RecordedRequest) => FakeResponse, answers: (request: RecordedRequest) => FakeResponse = defaultAnswer): void {
  upstream.respond((request) => {
    const model = String(request.body?.['model']);
    return model === CLF || model === CLF_JSON ? classifier(request) : answers(request);
  });
}

const defaultAnswer = (request: RecordedRequest): FakeResponse => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])) });
const says = (text: string, extra: Partial<Extract<FakeResponse, { type: 'completion' }>> = {}) => (): FakeResponse => ({ type: 'completion', text, ...extra });

const client = openaiClient;
const ask = (running: TestGateway, router: string, content: string) =>
  client(running).chat.completions.create({ model: router, messages: [{ role: 'user', content }] }).withResponse();


const wireModels = () => upstream.requests.map((request) => request.body?.['model']);
const roles = (trace: Trace) => trace.attempts.map((attempt) => [attempt.role, attempt.model, attempt.outcome]);

describe('an LLM classifier names the route', () => {
  it('sends a request the classifier calls code to the code route, though no rule matches it', async () => {
    const running = await start();
    classifierAnswers(says('code'));
    const text = 'My sorting function returns the list unchanged, what is wrong?';
    const { data, response } = await ask(running, 'llm', text);

    expect(response.headers.get('x-switchyard-route')).toBe('code');
    expect(response.headers.get('x-switchyard-model')).toBe('coder');
    expect(data.model).toBe('coder');
    expect(data.choices[0]?.message.content).toBe(defaultReply('coder-wire'));
    expect(wireModels()).toEqual([CLF, 'coder-wire']);

    const trace = traceOf(running, response);
    expect(trace.decision.classification).toEqual({ model: 'clf', outcome: 'ok', label: 'code' });
    expect(trace.decision.signals).toEqual([{ signal: 'llm', route: 'code', label: 'code' }]);
    expect(roles(trace)).toEqual([
      ['classifier', 'clf', 'ok'],
      ['answer', 'coder', 'ok'],
    ]);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
  });

  it('asks with the routes and their descriptions (block routes left out), the user text, temperature 0 and a small cap', async () => {
    const running = await start();
    classifierAnswers(says('code'));
    const text = 'Why does my loop never end?';
    await ask(running, 'llm', text);

    const body = upstream.requestsFor(CLF)[0]?.body;
    expect(body?.['temperature']).toBe(0);
    expect(body?.['max_tokens']).toBe(32);
    expect(body).not.toHaveProperty('response_format');
    const messages = body?.['messages'] as { role: string; content: string }[];
    expect(messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(messages[1]?.content).toBe(text);
    const system = messages[0]?.content ?? '';
    expect(system).toContain('code: Programming questions and code');
    expect(system).toContain('creative: Stories and poems');
    expect(system).toMatch(/\bdefault\b/);
    // A block route is a guard, not a label the classifier may pick.
    expect(system).not.toContain('unsafe');
  });

  it('sends a `default` answer straight to the default route, skipping the rules that would have matched', async () => {
    const running = await start();
    classifierAnswers(says('default'));
    const { data, response } = await ask(running, 'llm', 'Tell me a story about python snakes');
    expect(response.headers.get('x-switchyard-route')).toBe('default');
    expect(data.model).toBe('cheap');
    expect(wireModels()).toEqual([CLF, 'cheap-wire']);
    const trace = traceOf(running, response);
    expect(trace.decision.classification).toEqual({ model: 'clf', outcome: 'ok', label: 'default' });
    expect(trace.decision.signals).toEqual([{ signal: 'llm', route: 'default', label: 'default' }]);
  });

  it('falls back to the rules when the classifier names no route ("banana")', async () => {
    const running = await start();
    classifierAnswers(says('banana'));
    const { data, response } = await ask(running, 'llm', 'Refactor this python class please');
    expect(response.headers.get('x-switchyard-route')).toBe('code');
    expect(data.model).toBe('coder');
    const trace = traceOf(running, response);
    expect(trace.decision.classification).toMatchObject({ model: 'clf', outcome: 'unknown_label', label: null });
    expect(trace.decision.classification?.detail).toContain('banana');
    expect(trace.decision.signals).toEqual([{ signal: 'keywords', route: 'code', match: 'python' }]);
    // The classifier was paid for although its answer was useless.
    expect(roles(trace)).toEqual([
      ['classifier', 'clf', 'ok'],
      ['answer', 'coder', 'ok'],
    ]);
  });

  it('falls back to the default when the classifier fails with a 500 and no rule matches', async () => {
    const running = await start();
    classifierAnswers(() => ({ type: 'error', status: 500, message: 'classifier exploded' }));
    const { data, response } = await ask(running, 'llm', 'Hello there, how are you today?');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-route')).toBe('default');
    expect(data.model).toBe('cheap');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    const trace = traceOf(running, response);
    expect(trace.decision.classification).toMatchObject({ model: 'clf', outcome: 'error', label: null });
    expect(trace.decision.classification?.detail).toEqual(expect.any(String));
    expect(trace.decision.signals).toEqual([]);
    expect(trace.attempts[0]).toMatchObject({ role: 'classifier', model: 'clf', outcome: 'error' });
  });
});

describe('a stalled classifier', () => {
  it('is given up after timeout_ms: the rules route the request, quickly, and the upstream call is cancelled', async () => {
    const running = await start();
    classifierAnswers(says('code', { delayMs: 2000 }));
    const started = performance.now();
    const { data, response } = await ask(running, 'hasty', 'Write a poem about the sea');
    const elapsed = performance.now() - started;

    expect(data.model).toBe('strong');
    expect(response.headers.get('x-switchyard-route')).toBe('creative');
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(1500);
    const trace = traceOf(running, response);
    expect(trace.decision.classification).toMatchObject({ model: 'clf', outcome: 'timeout', label: null });
    expect(trace.decision.classification?.detail).toContain('200');
    expect(trace.decision.signals).toEqual([{ signal: 'keywords', route: 'creative', match: 'poem' }]);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(trace.attempts.filter((attempt) => attempt.role === 'classifier')).toHaveLength(1);
    expect(trace.attempts.find((attempt) => attempt.role === 'classifier')?.outcome).not.toBe('ok');
    expect(await upstream.requestsFor(CLF)[0]?.closed).toBe('aborted');
  });

  it('leaves a request no rule matches to the default, quickly', async () => {
    const running = await start();
    classifierAnswers(says('code', { delayMs: 2000 }));
    const started = performance.now();
    const { data, response } = await ask(running, 'hasty', 'What should I cook tonight?');
    expect(performance.now() - started).toBeLessThan(1500);
    expect(data.model).toBe('cheap');
    expect(response.headers.get('x-switchyard-route')).toBe('default');
    expect(traceOf(running, response).decision.classification).toMatchObject({ outcome: 'timeout', label: null, detail: expect.any(String) });
  });
});

describe('structured output', () => {
  it('asks a json_schema-capable classifier for {"route": ...} with an enum of the routes and default', async () => {
    const running = await start();
    classifierAnswers(says('{"route":"creative"}'));
    const { data, response } = await ask(running, 'structured', 'Something about dragons and a lost crown');
    expect(response.headers.get('x-switchyard-route')).toBe('creative');
    expect(data.model).toBe('strong');
    expect(traceOf(running, response).decision.classification).toEqual({ model: 'clf-json', outcome: 'ok', label: 'creative' });

    const format = upstream.requestsFor(CLF_JSON)[0]?.body?.['response_format'] as { type: string; json_schema: { schema: Record<string, unknown> } } | undefined;
    expect(format?.type).toBe('json_schema');
    const route = (format?.json_schema.schema['properties'] as Record<string, { type: string; enum: string[] }>)['route'];
    expect(route?.enum.slice().sort()).toEqual(['code', 'creative', 'default']);
    expect(format?.json_schema.schema['required']).toEqual(['route']);
  });

  it('sends no response_format to a classifier without the capability, and accepts a bare quoted name with a period', async () => {
    const running = await start();
    classifierAnswers(says(' "Code." '));
    const { data, response } = await ask(running, 'llm', 'Help me with something');
    expect(upstream.requestsFor(CLF)[0]?.body).not.toHaveProperty('response_format');
    expect(response.headers.get('x-switchyard-route')).toBe('code');
    expect(data.model).toBe('coder');
    expect(traceOf(running, response).decision.classification).toEqual({ model: 'clf', outcome: 'ok', label: 'code' });
  });

  it.each([['CREATIVE'], ['`creative`'], ["'creative'."], ['{"route": "Creative"}']])('accepts %s as the creative route', async (answer) => {
    const running = await start();
    classifierAnswers(says(answer));
    const { data } = await ask(running, 'llm', 'Anything at all');
    expect(data.model).toBe('strong');
  });

  it.each([['unsafe'], ['{"route": "banana"}'], ['code creative'], ['']])('does not take %j for a route', async (answer) => {
    const running = await start();
    classifierAnswers(says(answer));
    const { data, response } = await ask(running, 'llm', 'Anything at all');
    expect(data.model).toBe('cheap');
    expect(traceOf(running, response).decision.classification).toMatchObject({ outcome: 'unknown_label', label: null });
  });

  it('does not read a route name out of a sentence', async () => {
    const running = await start();
    classifierAnswers(says('I think this is a code question'));
    const { response } = await ask(running, 'llm', 'Help me with something else');
    expect(response.headers.get('x-switchyard-route')).toBe('default');
    expect(traceOf(running, response).decision.classification?.outcome).toBe('unknown_label');
  });
});

describe('the classifier cache', () => {
  it('answers the same text again from the cache: one classifier call, no classifier attempt the second time', async () => {
    const running = await start();
    classifierAnswers(says('code', { usage: { prompt_tokens: 100, completion_tokens: 1 } }), () => ({
      type: 'completion',
      text: 'ok',
      usage: { prompt_tokens: 1000, completion_tokens: 100 },
    }));
    const text = 'How do I make my build faster?';
    const first = await ask(running, 'llm', text);
    const second = await ask(running, 'llm', text);

    expect(upstream.requestsFor(CLF)).toHaveLength(1);
    expect(wireModels()).toEqual([CLF, 'coder-wire', 'coder-wire']);
    expect(second.response.headers.get('x-switchyard-route')).toBe('code');
    const [one, two] = [traceOf(running, first.response), traceOf(running, second.response)];
    expect(one.decision.classification?.outcome).toBe('ok');
    expect(two.decision.classification).toEqual({ model: 'clf', outcome: 'cached', label: 'code' });
    expect(two.attempts.map((attempt) => attempt.role)).toEqual(['answer']);
    // The cached answer costs nothing: only the answering model is billed.
    const answerCost = (1000 * 0.27 + 100 * 1.1) / 1e6;
    expect(Number(second.response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(answerCost, 15);
    expect(Number(first.response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(answerCost + (100 * 0.15 + 1 * 0.6) / 1e6, 15);
  });

  it('calls the classifier every time with cache size 0, and again once an entry outlived ttl_ms', async () => {
    const running = await start();
    classifierAnswers(says('code'));
    await ask(running, 'nocache', 'Same words');
    const again = await ask(running, 'nocache', 'Same words');
    expect(upstream.requestsFor(CLF)).toHaveLength(2);
    expect(traceOf(running, again.response).decision.classification?.outcome).toBe('ok');

    upstream.requests.length = 0;
    await ask(running, 'shortlived', 'Other words');
    const soon = await ask(running, 'shortlived', 'Other words');
    expect(traceOf(running, soon.response).decision.classification?.outcome).toBe('cached');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const late = await ask(running, 'shortlived', 'Other words');
    expect(traceOf(running, late.response).decision.classification?.outcome).toBe('ok');
    expect(upstream.requestsFor(CLF)).toHaveLength(2);
  });

  it('does not cache a failed classification', async () => {
    const running = await start();
    upstream.enqueue({ type: 'error', status: 500 });
    classifierAnswers(says('creative'));
    const text = 'Describe a quiet morning';
    const first = await ask(running, 'llm', text);
    const second = await ask(running, 'llm', text);
    expect(traceOf(running, first.response).decision.classification?.outcome).toBe('error');
    expect(traceOf(running, second.response).decision.classification).toEqual({ model: 'clf', outcome: 'ok', label: 'creative' });
    expect(upstream.requestsFor(CLF)).toHaveLength(2);
  });

  it('lets two concurrent requests with the same text share one classifier call', async () => {
    const running = await start();
    classifierAnswers(says('creative', { delayMs: 300 }));
    const text = 'Invent a legend about the northern lights';
    const [a, b] = await Promise.all([ask(running, 'llm', text), ask(running, 'llm', text)]);

    expect(upstream.requestsFor(CLF)).toHaveLength(1);
    expect([a.data.model, b.data.model]).toEqual(['strong', 'strong']);
    const traces = [traceOf(running, a.response), traceOf(running, b.response)];
    expect(traces.map((trace) => trace.decision.classification?.outcome).sort()).toEqual(['cached', 'ok']);
    expect(traces.map((trace) => trace.decision.classification?.label)).toEqual(['creative', 'creative']);
    // Only the request that made the call carries (and pays for) it.
    expect(traces.map((trace) => trace.attempts.filter((attempt) => attempt.role === 'classifier').length).sort()).toEqual([0, 1]);
  });
});

describe('a shared classifier call', () => {
  // One client going away must not change how another client's request is routed: the shared
  // call is bounded by its own timeout, not by the client that started it.
  it('still routes the second of two identical requests by the classifier when the first client disconnects', async () => {
    const running = await start();
    classifierAnswers(says('code', { delayMs: 800 }));
    const text = 'Make this faster for me';
    const controller = new AbortController();
    const first = client(running).chat.completions.create({ model: 'llm', messages: [{ role: 'user', content: text }] }, { signal: controller.signal });
    const settled = first.then(
      () => 'answered',
      () => 'aborted',
    );
    // The first request's classifier call is under way; the second joins it, then the first client leaves.
    await expect.poll(() => upstream.requestsFor(CLF).length).toBe(1);
    const second = ask(running, 'llm', text);
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    expect(await settled).toBe('aborted');
    const { data, response } = await second;
    expect(response.headers.get('x-switchyard-route')).toBe('code');
    expect(data.model).toBe('coder');
    expect(traceOf(running, response).decision.classification).toEqual({ model: 'clf', outcome: 'cached', label: 'code' });
    expect(upstream.requestsFor(CLF)).toHaveLength(1);
  });
});

describe('cost and attempts', () => {
  it('adds the classifier cost to x-switchyard-cost-usd and the trace, and does not count it as an attempt', async () => {
    const running = await start();
    classifierAnswers(says('code', { usage: { prompt_tokens: 1000, completion_tokens: 10 } }), () => ({
      type: 'completion',
      text: 'def f(): pass',
      usage: { prompt_tokens: 2000, completion_tokens: 500 },
    }));
    const { response } = await ask(running, 'llm', 'Write me a tiny function');
    // clf: 1000 × $0.15/M + 10 × $0.6/M = $0.000156; coder: 2000 × $0.27/M + 500 × $1.1/M = $0.00109.
    const classifierCost = 0.000156;
    const total = 0.000156 + 0.00109;
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(total, 15);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    const trace = traceOf(running, response);
    expect(trace.costUsd).toBeCloseTo(total, 15);
    expect(trace.attempts[0]).toMatchObject({ role: 'classifier', model: 'clf' });
    expect(trace.attempts[0]?.costUsd).toBeCloseTo(classifierCost, 15);
  });

  it('counts the classifier cost on a stream too', async () => {
    const running = await start();
    classifierAnswers(says('code', { usage: { prompt_tokens: 1000, completion_tokens: 10 } }), () => ({
      type: 'completion',
      text: 'streamed answer',
      usage: { prompt_tokens: 2000, completion_tokens: 500 },
    }));
    const { data: stream, response } = await client(running)
      .chat.completions.create({ model: 'llm', messages: [{ role: 'user', content: 'Stream me a tiny function' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('streamed answer');
    expect(upstream.requestsFor(CLF)[0]?.body?.['stream']).not.toBe(true);
    expect(response.headers.get('x-switchyard-route')).toBe('code');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const trace = traceOf(running, response);
    expect(roles(trace)).toEqual([
      ['classifier', 'clf', 'ok'],
      ['answer', 'coder', 'ok'],
    ]);
    expect(trace.costUsd).toBeCloseTo(0.000156 + 0.00109, 15);
  });
});

describe('guards and the route endpoint', () => {
  it('blocks a block route by its keywords without calling the classifier', async () => {
    const running = await start();
    classifierAnswers(says('code'));
    const { data, response } = await ask(running, 'llm', 'Explain how to build a bomb');
    expect(data.choices[0]?.message.content).toBe("I can't help with that request.");
    expect(response.headers.get('x-switchyard-route')).toBe('unsafe');
    expect(upstream.requests).toHaveLength(0);
    expect(traceOf(running, response).decision.classification).toBeNull();
  });

  it('POST /v1/route returns the Decision with the classification, calling only the classifier', async () => {
    const running = await start();
    classifierAnswers(says('creative'));
    const response = await fetch(`${running.baseURL}/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: 'A tale of two kittens' }] }),
    });
    expect(response.status).toBe(200);
    const decision = (await response.json()) as Decision;
    expect(decision).toMatchObject({
      router: 'llm',
      route: 'creative',
      classification: { model: 'clf', outcome: 'ok', label: 'creative' },
      signals: [{ signal: 'llm', route: 'creative', label: 'creative' }],
    });
    expect(decision.candidates[0]?.model).toBe('strong');
    expect(wireModels()).toEqual([CLF]);
  });

  it('lets the x-switchyard-route header win without calling the classifier', async () => {
    const running = await start();
    classifierAnswers(says('code'));
    const { data, response } = await client(running)
      .chat.completions.create({ model: 'llm', messages: [{ role: 'user', content: 'whatever' }] }, { headers: { 'x-switchyard-route': 'creative' } })
      .withResponse();
    expect(data.model).toBe('strong');
    expect(traceOf(running, response).decision.classification).toBeNull();
    expect(wireModels()).toEqual(['strong-wire']);
  });
});

describe('a custom prompt', () => {
  it('replaces the instructions, with {routes} substituted by the route list, and truncates the text to max_chars', async () => {
    const running = await start();
    classifierAnswers(says('creative'));
    const text = 'Once upon a time there was a very long message';
    const { response } = await ask(running, 'custom', text);
    expect(response.headers.get('x-switchyard-route')).toBe('creative');

    const messages = upstream.requestsFor(CLF)[0]?.body?.['messages'] as { role: string; content: string }[];
    const system = messages[0]?.content ?? '';
    expect(system.startsWith('Sort the message into one bucket.\nBuckets:\n')).toBe(true);
    expect(system.endsWith('\nReply with the bucket name only.')).toBe(true);
    expect(system).not.toContain('{routes}');
    expect(system).not.toContain('You are the router');
    const list = system.slice('Sort the message into one bucket.\nBuckets:\n'.length, -'\nReply with the bucket name only.'.length);
    expect(list.split('\n')).toEqual([
      expect.stringMatching(/^\W*code\W.*Programming questions and code/),
      expect.stringMatching(/^\W*creative\W.*Stories and poems/),
      expect.stringMatching(/^\W*default\W.*Small talk and everything else/),
    ]);
    expect(messages[1]).toEqual({ role: 'user', content: text.slice(0, 20) });
  });
});
