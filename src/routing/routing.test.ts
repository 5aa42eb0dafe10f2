import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { InvalidRequestError, NotFoundError } from '../errors/request-errors.js';
import type { ChatMessage, ChatRequest } from '../spec/chat-request.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import { Routing } from './routing.js';
import type { Step } from '../spec/step.js';

/** Every model of the steps, in the order they would be tried. */
const modelsOf = (steps: readonly Step[]): string[] => steps.flatMap((step) => step.specs.map((spec) => spec.name));

const CONFIG = `
providers:
  main: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: k }
  off:  { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "\${OFF_KEY}" }
models:
  cheap:  { provider: main, price: { input: 1, output: 1 } }
  coder:  { provider: main, price: { input: 1, output: 1 } }
  strong: { provider: main, price: { input: 1, output: 1 } }
  remote: { provider: off, price: { input: 1, output: 1 } }
routers:
  auto:
    reference: strong
    routes:
      code:     { when: { keywords: [python, stack trace], regex: ["\`\`\`"] }, target: coder }
      creative: { when: { keywords: [story] }, target: { fallback: [remote, strong] }, system: "Be vivid." }
      vip:      { when: { all: [{ metadata: { tier: gold } }, { not: { keywords: [story] } }] }, target: strong }
      teams:    { when: { metadata: { team: [billing, sales] } }, target: cheap }
      unsafe:   { when: { keywords: [bomb] }, block: "No." }
      manual:   { target: strong }
    default: cheap
    fallbacks:
      coder: [cheap, strong]
      strong: [cheap]
  history:
    match_on: all
    routes:
      code: { when: { keywords: [python] }, target: coder }
    default: cheap
`;

const routing = new Routing(parseConfig(CONFIG, 'test.yaml', { env: {} }));

function request(content: string | ChatMessage[], { model = 'auto', ...fields }: Partial<ChatRequest> = {}): ChatRequest {
  return createChatRequest(model, content, fields);
}

describe('rules routing', () => {
  it('takes the first matching route in declared order', async () => {
    // Matches both code (python) and creative (story): code is declared first.
    expect((await routing.route(request('a story about python'))).decision.route).toBe('code');
    expect((await routing.route(request('a story about a cat'))).decision.route).toBe('creative');
  });

  it('falls back to default when nothing matches, with no signals', async () => {
    const { decision, steps } = (await routing.route(request('What is the capital of Japan?')));
    expect(decision.route).toBe('default');
    expect(decision.signals).toEqual([]);
    expect(modelsOf(steps)).toEqual(['cheap']);
  });

  it('records which test fired and what it matched', async () => {
    expect((await routing.route(request('Here:\n```js\nx()\n```'))).decision.signals).toEqual([{ signal: 'regex', route: 'code', match: '```' }]);
    expect((await routing.route(request('I got a Stack\n Trace'))).decision.signals).toEqual([{ signal: 'keywords', route: 'code', match: 'Stack\n Trace' }]);
  });

  it('checks block routes first, wherever they are declared', async () => {
    // "python" would match code, declared before unsafe.
    const { decision, steps } = (await routing.route(request('python bomb')));
    expect(decision.route).toBe('unsafe');
    expect(decision.policy).toBe('block');
    expect(decision.block).toEqual({ message: 'No.' });
    expect(steps).toEqual([]);
  });

  it('matches metadata hints: every key, one of the listed values', async () => {
    expect((await routing.route(request('hi', { metadata: { team: 'sales' } }))).decision).toMatchObject({
      route: 'teams',
      signals: [{ signal: 'metadata', route: 'teams', key: 'team', value: 'sales' }],
    });
    expect((await routing.route(request('hi', { metadata: { team: 'support' } }))).decision.route).toBe('default');
  });

  it('combines conditions with all and not', async () => {
    expect((await routing.route(request('hello', { metadata: { tier: 'gold' } }))).decision.route).toBe('vip');
    // `not` fails for a story, so vip does not match and creative does.
    expect((await routing.route(request('a story', { metadata: { tier: 'gold' } }))).decision.route).toBe('creative');
  });

  it('picks a route named by the header, including one without `when`', async () => {
    const { decision } = (await routing.route(request('hello'), { route: 'manual' }));
    expect(decision.route).toBe('manual');
    expect(decision.signals).toEqual([{ signal: 'header', route: 'manual' }]);
  });

  it('rejects a header naming no route of the router', async () => {
    await expect(routing.route(request('hello'), { route: 'nope' })).rejects.toThrow(InvalidRequestError);
  });

  it('reads only the last user message by default, and everything with match_on: all', async () => {
    const history: ChatMessage[] = [
      { role: 'user', content: 'write python' },
      { role: 'assistant', content: 'def f(): pass' },
      { role: 'user', content: 'thanks!' },
    ];
    expect((await routing.route(request(history))).decision.route).toBe('default');
    expect((await routing.route(request(history, { model: 'history' }))).decision.route).toBe('code');
  });

  it('reads text parts of multi-part content', async () => {
    const parts: ChatMessage[] = [
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }, { type: 'text', text: 'fix this python' }] },
    ];
    expect((await routing.route(request(parts))).decision.route).toBe('code');
  });
});

describe('plans', () => {
  it('follows each target with its fallbacks, without repeats', async () => {
    const { decision } = (await routing.route(request('python')));
    expect(decision.candidates).toEqual([
      { model: 'coder', provider: 'main', source: 'target' },
      { model: 'cheap', provider: 'main', source: 'fallback' },
      { model: 'strong', provider: 'main', source: 'fallback' },
    ]);
  });

  it('filters out models whose provider is disabled, saying which variable to set', async () => {
    const { decision, steps } = (await routing.route(request('a story')));
    expect(decision.filtered).toEqual([{ model: 'remote', reason: 'provider_disabled', detail: 'provider "off" is disabled: set OFF_KEY' }]);
    expect(modelsOf(steps)).toEqual(['strong', 'cheap']);
  });

  it('merges the route system prompt into the request sent, not into the client request', async () => {
    const original = request('a story');
    const routed = (await routing.route(original));
    expect(routed.decision.system).toEqual({ merge: 'prepend' });
    expect(routed.request.messages[0]).toEqual({ role: 'system', content: 'Be vivid.' });
    expect(original.messages).toHaveLength(1);
  });

  it('serves a concrete model directly, without router or fallbacks', async () => {
    const { decision, steps, reference } = (await routing.route(request('python', { model: 'coder' })));
    expect(decision).toMatchObject({ router: null, route: null, policy: 'direct', reference: null });
    expect(modelsOf(steps)).toEqual(['coder']);
    expect(reference).toBeUndefined();
  });

  it('answers an unknown name with model_not_found, listing routers and models', async () => {
    try {
      (await routing.route(request('hi', { model: 'gpt-99' })));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).code).toBe('model_not_found');
      expect((error as Error).message).toBe('The model "gpt-99" does not exist. Routers: auto, history. Models: cheap, coder, strong, remote.');
    }
  });

  it('decides the same for the same request, every time', async () => {
    const first = (await routing.route(request('python', { metadata: { tier: 'gold' } }))).decision;
    for (let run = 0; run < 5; run++) expect((await routing.route(request('python', { metadata: { tier: 'gold' } }))).decision).toEqual(first);
  });
});

describe('multi-model policies', () => {
  const config = parseConfig(
    `
providers:
  main: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: k }
models:
  cheap:  { provider: main, price: { input: 1, output: 1 } }
  strong: { provider: main, price: { input: 5, output: 5 } }
  spare:  { provider: main, price: { input: 1, output: 1 } }
routers:
  casc:
    default: { cascade: { models: [cheap, strong], check: { min_length: 5 } } }
    fallbacks:
      strong: [spare]
`,
    'test.yaml',
    { env: {} },
  );

  it('numbers the steps of a cascade, each with its own fallbacks', async () => {
    const { decision, steps } = await new Routing(config).route(request('hi', { model: 'casc' }));
    expect(decision.policy).toBe('cascade');
    expect(decision.candidates).toEqual([
      { model: 'cheap', provider: 'main', source: 'target', step: 0 },
      { model: 'strong', provider: 'main', source: 'target', step: 1 },
      { model: 'spare', provider: 'main', source: 'fallback', step: 1 },
    ]);
    expect(steps.map((step) => step.specs.map((spec) => spec.name))).toEqual([['cheap'], ['strong', 'spare']]);
  });

  it('drops a step whose circuit is open, while another step can run', async () => {
    const health = { openUntil: (model: string) => (model === 'cheap' ? Date.now() + 60_000 : undefined) };
    const { decision, steps } = await new Routing(config, { health }).route(request('hi', { model: 'casc' }));
    expect(decision.candidates.map((candidate) => [candidate.model, candidate.step])).toEqual([
      ['strong', 0],
      ['spare', 0],
    ]);
    expect(decision.filtered).toEqual([expect.objectContaining({ model: 'cheap', reason: 'circuit_open' })]);
    expect(steps).toHaveLength(1);
  });

  it('leaves no step, and no model to call, when every step is open', async () => {
    const health = { openUntil: () => Date.now() + 60_000 };
    const { steps, decision } = await new Routing(config, { health }).route(request('hi', { model: 'casc' }));
    expect(steps).toEqual([]);
    expect(decision.filtered.map((item) => [item.model, item.reason])).toEqual([
      ['cheap', 'circuit_open'],
      ['strong', 'circuit_open'],
      ['spare', 'circuit_open'],
    ]);
  });
});

describe('routesLocally', () => {
  it('says which requests can be routed before admission: no model call while routing and no on_budget', () => {
    const config = parseConfig(
      `${CONFIG}
  asks:
    classifier: { type: llm, model: cheap }
    routes:
      code: { description: "Programming questions", target: coder }
    default: cheap
  spends:
    default: cheap
    on_budget: [{ above: 0.8, use: auto }]
model_aliases:
  "fast-*": auto
`,
      'test.yaml',
      { env: {} },
    );
    const local = new Routing(config);
    expect(['auto', 'history', 'cheap', 'fast-1'].map((model) => local.routesLocally(model))).toEqual([true, true, true, true]);
    expect(['asks', 'spends', 'nope'].map((model) => local.routesLocally(model))).toEqual([false, false, false]);
  });
});
