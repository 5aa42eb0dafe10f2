import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { DEFAULT_THRESHOLDS } from '../../src/routing/signals/example-routes.js';
import type { Decision } from '../../src/spec/decision.js';
import { defaultReply, startFakeUpstream, wordVector, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { openaiClient, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Routes defined by example prompts (the first six of each route in
 * examples/embedding-routes/switchyard.yaml): with the built-in local encoder (no network at all) and
 * with an embeddings model on the fake upstream, whose vectors are bags of words (`wordVector`),
 * so the expected similarities can be computed here by hand.
 */

const EXAMPLES = {
  factual: [
    'What is the capital of France?',
    'Who wrote Pride and Prejudice?',
    'When did World War II end?',
    'How tall is Mount Everest?',
    'What is the boiling point of water?',
    'Which planet is closest to the sun?',
  ],
  creative: [
    'Write a poem about the ocean.',
    'Tell me a story about a dragon.',
    'Compose a haiku about autumn leaves.',
    'Write a short story about a lost dog.',
    'Write song lyrics about a summer road trip.',
    'Describe a sunset in the style of a fantasy novel.',
  ],
  code: [
    'Write a JavaScript function that sorts an array.',
    'Fix the bug in this Python code.',
    'How do I read a JSON file in Python?',
    'Implement binary search in Java.',
    "Why does my React component re-render on every keystroke?",
    'Write a SQL query that returns the top 5 customers by revenue.',
  ],
} as const;
const ALL_EXAMPLES: string[] = [...EXAMPLES.factual, ...EXAMPLES.creative, ...EXAMPLES.code];

const FACTUAL = 'What is the capital of Japan?';
const CREATIVE = 'Write a short story about a robot learning to paint.';
const CODE = 'Write a Python function to parse CSV files with error handling.';
const UNRELATED = 'Bonjour';

const MODELS = (upstreamUrl: string) => `
providers:
  fake: { type: openai, base_url: "${upstreamUrl}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  coder:  { provider: fake, model: coder-wire,  price: { input: 0.27, output: 1.1 }, context_window: 64000 }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 }, context_window: 200000 }
  basic:  { provider: fake, model: basic-wire,  price: { input: 0.1, output: 0.4 }, context_window: 128000 }
  emb:    { provider: fake, model: emb-wire,    price: { input: 0.02, output: 0 } }`;

/** A route's `when` with its examples and any other tests (YAML flow). */
const when = (route: keyof typeof EXAMPLES, extra = '') => `{ examples: ${JSON.stringify(EXAMPLES[route])}${extra} }`;

const TARGET = { factual: 'cheap', creative: 'strong', code: 'coder' } as const;
const WIRE = { factual: 'cheap-wire', creative: 'strong-wire', code: 'coder-wire' } as const;

let upstream: FakeUpstream;
let gateway: TestGateway | undefined;
const dirs: string[] = [];

beforeEach(async () => {
  upstream = await startFakeUpstream();
});

afterEach(async () => {
  gateway?.server.closeAllConnections();
  await gateway?.close();
  gateway = undefined;
  await upstream.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const client = openaiClient;
const ask = (running: TestGateway, router: string, content: string) =>
  client(running).chat.completions.create({ model: router, messages: [{ role: 'user', content }] }).withResponse();


async function decide(running: TestGateway, router: string, content: string): Promise<Decision> {
  const response = await fetch(`${running.baseURL}/route`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: router, messages: [{ role: 'user', content }] }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Decision;
}

const embeddingRequests = () => upstream.requests.filter((request) => request.path.endsWith('/embeddings'));
const chatRequests = () => upstream.requests.filter((request) => !request.path.endsWith('/embeddings'));
const inputsOf = (request: RecordedRequest | undefined) => request?.body?.['input'] as string[] | undefined;

/** Cosine of the fake's bag-of-words vectors: what the gateway must compute for a model encoder. */
function cosine(a: string, b: string): number {
  const [x, y] = [wordVector(a), wordVector(b)];
  let dot = 0;
  let nx = 0;
  let ny = 0;
  x.forEach((value, index) => {
    const other = y[index] ?? 0;
    dot += value * other;
    nx += value * value;
    ny += other * other;
  });
  return dot / Math.sqrt(nx * ny);
}

describe('example routes with the built-in local encoder', () => {
  async function startLocal(routes: string): Promise<TestGateway> {
    gateway = await startGateway(`${MODELS(upstream.url)}
routers:
  semantic:
    routes:
${routes}
    default: basic
`);
    return gateway;
  }

  const threeRoutes = `      factual:  { when: ${when('factual')}, target: cheap }
      creative: { when: ${when('creative')}, target: strong }
      code:     { when: ${when('code')}, target: coder }`;

  it.each([
    ['factual', FACTUAL],
    ['creative', CREATIVE],
    ['code', CODE],
  ] as const)('routes a %s prompt to its route by its examples, without any network call but the answer', async (route, prompt) => {
    const running = await startLocal(threeRoutes);
    const { data, response } = await ask(running, 'semantic', prompt);
    expect(response.headers.get('x-switchyard-route')).toBe(route);
    expect(data.model).toBe(TARGET[route]);
    expect(upstream.requests.map((request) => [request.path, request.body?.['model']])).toEqual([['/v1/chat/completions', WIRE[route]]]);

    const trace = traceOf(running, response);
    const similarity = trace.decision.similarity;
    expect(similarity).toMatchObject({ encoder: 'local-lexical-v1', outcome: 'ok' });
    expect(Object.keys(similarity?.scores ?? {}).sort()).toEqual(['code', 'creative', 'factual']);
    const scores = similarity?.scores ?? {};
    const best = scores[route] as number;
    for (const [other, score] of Object.entries(scores)) if (other !== route) expect(best).toBeGreaterThan(score);
    expect(best).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.local);
    expect(best).toBeLessThanOrEqual(1);
    // Four decimals.
    expect(Math.round(best * 10_000) / 10_000).toBe(best);

    expect(trace.decision.signals).toEqual([{ signal: 'examples', route, similarity: best, example: expect.any(String) }]);
    const signal = trace.decision.signals[0] as Extract<Decision['signals'][number], { signal: 'examples' }>;
    expect(EXAMPLES[route]).toContain(signal.example);
    expect(trace.attempts.map((attempt) => attempt.role)).toEqual(['answer']);
  });

  it('reports the closest example of the winning route', async () => {
    const running = await startLocal(threeRoutes);
    const factual = await decide(running, 'semantic', FACTUAL);
    expect(factual.signals).toMatchObject([{ signal: 'examples', route: 'factual', example: 'What is the capital of France?' }]);
    const creative = await decide(running, 'semantic', CREATIVE);
    expect(creative.signals).toMatchObject([{ signal: 'examples', route: 'creative', example: 'Write a short story about a lost dog.' }]);
  });

  it('sends a prompt unlike any example to the default, still reporting the scores', async () => {
    const running = await startLocal(threeRoutes);
    const { data, response } = await ask(running, 'semantic', UNRELATED);
    expect(response.headers.get('x-switchyard-route')).toBe('default');
    expect(data.model).toBe('basic');
    const decision = traceOf(running, response).decision;
    expect(decision.signals).toEqual([]);
    expect(decision.similarity?.outcome).toBe('ok');
    const scores = Object.values(decision.similarity?.scores ?? {});
    expect(scores).toHaveLength(3);
    for (const score of scores) expect(score).toBeLessThan(DEFAULT_THRESHOLDS.local);
  });

  it("tries a route's rules before its examples", async () => {
    // creative comes first and has a keyword: the keyword decides, the examples are never compared.
    const running = await startLocal(`      creative: { when: ${when('creative', ', keywords: [robot]')}, target: strong }
      factual:  { when: ${when('factual')}, target: cheap }
      code:     { when: ${when('code')}, target: coder }`);
    const byRule = await decide(running, 'semantic', CREATIVE);
    expect(byRule.route).toBe('creative');
    expect(byRule.signals).toEqual([{ signal: 'keywords', route: 'creative', match: 'robot' }]);
    expect(byRule.similarity).toBeNull();
    // Without the keyword the same route matches by its examples.
    const byExamples = await decide(running, 'semantic', 'Write a short story about a lost cat.');
    expect(byExamples.route).toBe('creative');
    expect(byExamples.signals[0]?.signal).toBe('examples');
    expect(byExamples.similarity?.outcome).toBe('ok');
  });

  it('does not match a route whose threshold the best example does not reach', async () => {
    const running = await startLocal(`      factual:  { when: ${when('factual', ', threshold: 0.99')}, target: cheap }
      creative: { when: ${when('creative', ', threshold: 0.5')}, target: strong }
      code:     { when: ${when('code', ', threshold: 0.5')}, target: coder }`);
    const decision = await decide(running, 'semantic', FACTUAL);
    expect(decision.route).toBe('default');
    expect(decision.signals).toEqual([]);
    const scores = decision.similarity?.scores ?? {};
    // The same score that wins under the default threshold (see above) is short of 0.99.
    expect(scores['factual']).toBeGreaterThan(0.5);
    expect(scores['factual']).toBeLessThan(0.99);
    // An example itself reaches even 0.99.
    const exact = await decide(running, 'semantic', EXAMPLES.factual[0]);
    expect(exact.route).toBe('factual');
    expect(exact.signals).toMatchObject([{ signal: 'examples', similarity: 1, example: EXAMPLES.factual[0] }]);
  });

  it('passes over a route below its own threshold to the best route that reaches its own', async () => {
    // factual scores higher than code for this prompt, but only code reaches its threshold.
    const running = await startLocal(`      factual:  { when: ${when('factual', ', threshold: 0.99')}, target: cheap }
      code:     { when: ${when('code', ', threshold: 0.01')}, target: coder }`);
    const decision = await decide(running, 'semantic', FACTUAL);
    const scores = decision.similarity?.scores ?? {};
    expect(scores['factual']).toBeGreaterThan(scores['code'] as number);
    expect(scores['code']).toBeGreaterThanOrEqual(0.01);
    expect(decision.route).toBe('code');
    expect(decision.signals).toEqual([{ signal: 'examples', route: 'code', similarity: scores['code'], example: expect.any(String) }]);
  });
});

describe('example routes in the config', () => {
  const config = (routes: string) => `
providers:
  fake: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: "sk-test" }
models:
  cheap: { provider: fake, model: cheap-wire, price: { input: 0.15, output: 0.6 } }
routers:
  semantic:
    routes:
${routes}
    default: cheap
`;

  function issuesOf(text: string): { path: string; message: string }[] {
    try {
      parseConfig(text, 'examples.yaml', { env: {} });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return [...(error as ConfigError).issues];
    }
    throw new Error('expected a ConfigError');
  }

  it('rejects examples inside any, naming the path', () => {
    const issues = issuesOf(config(`      mixed: { when: { any: [{ keywords: [story] }, { examples: ["Write a poem."] }] }, target: cheap }`));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('routers.semantic.routes.mixed.when.any.1.examples');
  });

  it('rejects examples inside not, and a threshold without examples', () => {
    const issues = issuesOf(
      config(`      negated: { when: { not: { examples: ["Write a poem."] } }, target: cheap }
      lonely:  { when: { keywords: [x], threshold: 0.5 }, target: cheap }`),
    );
    expect(issues.map((issue) => issue.path).sort()).toEqual(['routers.semantic.routes.lonely.when', 'routers.semantic.routes.negated.when.not.examples']);
  });

  it('accepts examples at the top of when, beside rules', () => {
    expect(() => parseConfig(config(`      ok: { when: { examples: ["Write a poem."], keywords: [poem], threshold: 0.4 }, target: cheap }`), 'examples.yaml', { env: {} })).not.toThrow();
  });
});

describe('example routes with an embeddings model', () => {
  function semanticConfig(dir: string, options: { timeoutMs?: number; extraExample?: string; routes?: string } = {}): string {
    const factual = options.extraExample ? `{ examples: ${JSON.stringify([...EXAMPLES.factual, options.extraExample])} }` : when('factual');
    return `${MODELS(upstream.url)}
storage: { path: ${JSON.stringify(join(dir, 'switchyard.db'))} }
routers:
  semantic:
    encoder: { model: emb, timeout_ms: ${options.timeoutMs ?? 1000} }
    routes:
${
  options.routes ??
  `      factual:  { when: ${factual}, target: cheap }
      creative: { when: ${when('creative')}, target: strong }
      code:     { when: ${when('code', ', keywords: [python]')}, target: coder }`
}
    default: basic
`;
  }

  function freshDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-examples-'));
    dirs.push(dir);
    return dir;
  }

  it('embeds the examples at startup in one batch, then embeds each request once, billed as an embedding attempt', async () => {
    const dir = freshDir();
    upstream.respond((request) =>
      request.path.endsWith('/embeddings')
        ? { type: 'embedding', usage: { prompt_tokens: 1000 } }
        : { type: 'completion', text: defaultReply(String(request.body?.['model'])), usage: { prompt_tokens: 100, completion_tokens: 10 } },
    );
    const running = (gateway = await startGateway(semanticConfig(dir)));
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.path).toBe('/v1/embeddings');
    expect(upstream.requests[0]?.body?.['model']).toBe('emb-wire');
    expect(inputsOf(upstream.requests[0])?.slice().sort()).toEqual(ALL_EXAMPLES.slice().sort());
    expect(existsSync(join(dir, 'switchyard-embeddings.jsonl'))).toBe(true);

    const { data, response } = await ask(running, 'semantic', FACTUAL);
    expect(data.model).toBe('cheap');
    expect(response.headers.get('x-switchyard-route')).toBe('factual');
    expect(embeddingRequests()).toHaveLength(2);
    expect(inputsOf(embeddingRequests()[1])).toEqual([FACTUAL]);

    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.role, attempt.model, attempt.outcome])).toEqual([
      ['embedding', 'emb', 'ok'],
      ['answer', 'cheap', 'ok'],
    ]);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    // emb: 1000 × $0.02/M = $0.00002; cheap: 100 × $0.15/M + 10 × $0.6/M = $0.000021.
    expect(trace.attempts[0]?.costUsd).toBeCloseTo(0.00002, 15);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(0.000041, 15);
    expect(trace.costUsd).toBeCloseTo(0.000041, 15);

    const similarity = trace.decision.similarity;
    expect(similarity).toMatchObject({ encoder: 'emb', outcome: 'ok' });
    for (const route of ['factual', 'creative', 'code'] as const) {
      const expected = Math.max(...EXAMPLES[route].map((example) => cosine(FACTUAL, example)));
      expect(similarity?.scores[route]).toBeCloseTo(expected, 3);
    }
    expect(trace.decision.signals).toEqual([
      { signal: 'examples', route: 'factual', similarity: similarity?.scores['factual'], example: 'What is the capital of France?' },
    ]);
    expect(similarity?.scores['factual']).toBeCloseTo(5 / 6, 3);
  });

  it('does not embed the examples again when restarted with the same storage, only a new one', async () => {
    const dir = freshDir();
    gateway = await startGateway(semanticConfig(dir));
    expect(embeddingRequests()).toHaveLength(1);
    await gateway.close();
    gateway = undefined;

    upstream.requests.length = 0;
    const running = (gateway = await startGateway(semanticConfig(dir)));
    expect(upstream.requests).toHaveLength(0);
    // The vectors read back from disk route as well as fresh ones.
    const decision = await decide(running, 'semantic', FACTUAL);
    expect(decision.route).toBe('factual');
    expect(decision.similarity?.scores['factual']).toBeCloseTo(5 / 6, 3);
    expect(embeddingRequests().map(inputsOf)).toEqual([[FACTUAL]]);
    await gateway.close();
    gateway = undefined;

    upstream.requests.length = 0;
    const added = 'What is the currency of Japan?';
    gateway = await startGateway(semanticConfig(dir, { extraExample: added }));
    expect(embeddingRequests().map(inputsOf)).toEqual([[added]]);
    // The file grows by that one vector.
    expect(readFileSync(join(dir, 'switchyard-embeddings.jsonl'), 'utf8').trim().split('\n')).toHaveLength(ALL_EXAMPLES.length + 1);
  });

  it('embeds everything again for another embeddings model (the cache is keyed by deployment)', async () => {
    const dir = freshDir();
    gateway = await startGateway(semanticConfig(dir));
    await gateway.close();
    gateway = undefined;
    upstream.requests.length = 0;
    gateway = await startGateway(semanticConfig(dir).replace('model: emb-wire', 'model: emb-wire-v2'));
    expect(embeddingRequests()).toHaveLength(1);
    expect(embeddingRequests()[0]?.body?.['model']).toBe('emb-wire-v2');
    expect(inputsOf(embeddingRequests()[0])).toHaveLength(ALL_EXAMPLES.length);
  });

  // A crash mid-write leaves a last line without its newline: the next append must not be glued onto it.
  it('survives a torn last line in the cache file: re-embeds that example once, then never again', async () => {
    const dir = freshDir();
    const file = join(dir, 'switchyard-embeddings.jsonl');
    gateway = await startGateway(semanticConfig(dir));
    await gateway.close();
    gateway = undefined;
    // A crash in the middle of writing the last vector.
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length - 20));

    upstream.requests.length = 0;
    gateway = await startGateway(semanticConfig(dir));
    expect(embeddingRequests().map((request) => inputsOf(request)?.length)).toEqual([1]);
    await gateway.close();
    gateway = undefined;

    upstream.requests.length = 0;
    const running = (gateway = await startGateway(semanticConfig(dir)));
    expect(embeddingRequests()).toHaveLength(0);
    expect((await decide(running, 'semantic', FACTUAL)).route).toBe('factual');
  });

  it('reports an error, not a match, when the request embedding has other dimensions than the examples', async () => {
    const running = (gateway = await startGateway(semanticConfig(freshDir())));
    upstream.respond((request) =>
      request.path.endsWith('/embeddings') ? { type: 'embedding', vectors: [[1, 0, 0]] } : { type: 'completion', text: defaultReply(String(request.body?.['model'])) },
    );
    const decision = await decide(running, 'semantic', FACTUAL);
    expect(decision.route).toBe('default');
    expect(decision.similarity).toMatchObject({ encoder: 'emb', outcome: 'error', scores: {} });
    expect(decision.similarity?.detail).toMatch(/3 dimensions.*64/);
  });

  it('gives up on a stalled request embedding after timeout_ms: the default answers, quickly', async () => {
    const running = (gateway = await startGateway(semanticConfig(freshDir(), { timeoutMs: 200 })));
    upstream.respond((request) =>
      request.path.endsWith('/embeddings') ? { type: 'embedding', delayMs: 2000 } : { type: 'completion', text: defaultReply(String(request.body?.['model'])) },
    );
    const started = performance.now();
    const { data, response } = await ask(running, 'semantic', FACTUAL);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(data.model).toBe('basic');
    expect(response.headers.get('x-switchyard-route')).toBe('default');
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(1500);
    const trace = traceOf(running, response);
    expect(trace.decision.similarity).toMatchObject({ encoder: 'emb', outcome: 'timeout', scores: {} });
    expect(trace.decision.similarity?.detail).toContain('200');
    expect(trace.attempts.map((attempt) => attempt.role)).toEqual(['embedding', 'answer']);
    expect(trace.attempts[0]?.outcome).not.toBe('ok');
    expect(await embeddingRequests()[1]?.closed).toBe('aborted');
  });

  it('lets the rules of a later route match when the request cannot be embedded', async () => {
    const running = (gateway = await startGateway(semanticConfig(freshDir())));
    upstream.respond((request) =>
      request.path.endsWith('/embeddings') ? { type: 'error', status: 500, message: 'embeddings down' } : { type: 'completion', text: defaultReply(String(request.body?.['model'])) },
    );
    const { data, response } = await ask(running, 'semantic', 'Is python a snake or a language?');
    expect(response.status).toBe(200);
    expect(data.model).toBe('coder');
    const decision = traceOf(running, response).decision;
    expect(decision.route).toBe('code');
    expect(decision.signals).toEqual([{ signal: 'keywords', route: 'code', match: 'python' }]);
    expect(decision.similarity).toMatchObject({ encoder: 'emb', outcome: 'error', scores: {}, detail: expect.any(String) });
  });

  it('embeds identical request text once: the second time the similarity is cached, with no embedding attempt', async () => {
    const running = (gateway = await startGateway(semanticConfig(freshDir())));
    const first = await ask(running, 'semantic', CREATIVE);
    const second = await ask(running, 'semantic', CREATIVE);
    expect(embeddingRequests().map(inputsOf)).toEqual([expect.any(Array), [CREATIVE]]);
    const [one, two] = [traceOf(running, first.response), traceOf(running, second.response)];
    expect(one.decision.similarity?.outcome).toBe('ok');
    expect(two.decision.similarity?.outcome).toBe('cached');
    expect(two.decision.similarity?.scores).toEqual(one.decision.similarity?.scores);
    expect(two.decision.route).toBe(one.decision.route);
    expect(two.attempts.map((attempt) => attempt.role)).toEqual(['answer']);
    expect(chatRequests()).toHaveLength(2);
  });

  it('POST /v1/route embeds the request and calls no answering model', async () => {
    const running = (gateway = await startGateway(semanticConfig(freshDir())));
    upstream.requests.length = 0;
    const decision = await decide(running, 'semantic', FACTUAL);
    expect(decision.route).toBe('factual');
    expect(decision.candidates[0]?.model).toBe('cheap');
    expect(upstream.requests.map((request) => request.path)).toEqual(['/v1/embeddings']);
  });

  it('refuses to start when the embeddings answer has the wrong number of vectors, naming the router', async () => {
    upstream.respond({ type: 'embedding', vectors: [[1, 0, 0]] });
    await expect(startGateway(semanticConfig(freshDir()))).rejects.toThrow(/router "semantic"/);
    expect(embeddingRequests()).toHaveLength(1);
  });

  it('does not list the encoder model among the chat models', async () => {
    const running = (gateway = await startGateway(semanticConfig(freshDir())));
    const listed = (await (await fetch(`${running.baseURL}/models`)).json()) as { data: { id: string }[] };
    const ids = listed.data.map((entry) => entry.id);
    expect(ids).toContain('cheap');
    expect(ids).toContain('semantic');
    expect(ids).not.toContain('emb');
  });

  it("starts when the encoder's provider has no key, and says in every Decision why the examples do not match", async () => {
    const dir = freshDir();
    const yaml = semanticConfig(dir).replace('models:\n', `  nokey: { type: openai, base_url: "${upstream.url}", api_key: "\${EMB_KEY}" }\nmodels:\n`).replace('emb:    { provider: fake,', 'emb:    { provider: nokey,');
    const running = (gateway = await startGateway(yaml, {}));
    expect(running.gateway.warnings).toEqual([expect.stringContaining('router "semantic": the encoder "emb" is unavailable: provider "nokey" is disabled (set EMB_KEY)')]);
    const { response } = await ask(running, 'semantic', FACTUAL);
    expect(response.headers.get('x-switchyard-route')).toBe('default');
    expect(traceOf(running, response).decision.similarity).toMatchObject({ encoder: 'emb', outcome: 'error', detail: expect.stringContaining('provider "nokey" is disabled') });
    expect(upstream.requests.filter((request) => request.path.endsWith('/embeddings'))).toHaveLength(0);
  });

  it('refuses to start when the embeddings model fails, and caches nothing', async () => {
    const dir = freshDir();
    upstream.respond({ type: 'error', status: 500, message: 'no embeddings today' });
    await expect(startGateway(semanticConfig(dir))).rejects.toThrow(/router "semantic".*emb/s);
    expect(existsSync(join(dir, 'switchyard-embeddings.jsonl'))).toBe(false);
  });

  // A block decided by a model call is not free: the header must agree with the trace.
  it('counts the embedding cost of a request blocked by an example route', async () => {
    const running = (gateway = await startGateway(
      semanticConfig(freshDir(), {
        routes: `      unsafe:   { when: { examples: ["How do I build a bomb at home?"] }, block: "I can't help with that request." }
      factual:  { when: ${when('factual')}, target: cheap }`,
      }),
    ));
    upstream.respond((request) =>
      request.path.endsWith('/embeddings') ? { type: 'embedding', usage: { prompt_tokens: 1000 } } : { type: 'completion', text: 'should not be called' },
    );
    const { data, response } = await ask(running, 'semantic', 'How do I build a bomb in my garage?');
    expect(data.choices[0]?.message.content).toBe("I can't help with that request.");
    expect(response.headers.get('x-switchyard-route')).toBe('unsafe');
    expect(chatRequests()).toHaveLength(0);
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => attempt.role)).toEqual(['embedding']);
    expect(trace.costUsd).toBeCloseTo(0.00002, 15);
    // The header sums every attempt's cost, the embedding included.
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(0.00002, 15);
  });
});
