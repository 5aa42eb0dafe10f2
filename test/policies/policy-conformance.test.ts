import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { replay, ReplayError } from '../../src/evaluation/replay.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { parseScoredData } from '../../src/learning/scored-data.js';
import { offlineObstacle, POLICIES, targetModels } from '../../src/routing/policies/policy-registry.js';
import { Routing } from '../../src/routing/routing.js';
import { createChatRequest } from '../../src/spec/create-chat-request.js';
import type { Decision } from '../../src/spec/decision.js';
import type { StreamPart } from '../../src/spec/stream-part.js';
import { defaultReply, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { tinyRouterFile } from '../support/tiny-router-file.js';

/**
 * The contract every routing policy keeps, run against each policy of the registry (Hono's shared
 * router suite is the model): a new policy gets these checks by adding its fixture below, and the
 * suite fails until it has one. Each policy is the default of its own router over the same three
 * models, with router fallbacks a → c and b → c.
 */

const FIXTURES: Record<string, string> = {
  single: 'a',
  fallback: '{ fallback: [b, a] }',
  loadbalance: '{ loadbalance: { strategy: least_busy, models: [a, b] } }',
  cheapest_above: '{ cheapest_above: { models: [a, b], min_quality: 0.5 } }',
  strong_weak: '{ strong_weak: { strong: b, weak: a, threshold: 0.2 } }',
  utility: '{ utility: { models: [a, b], cost_weight: 0.2 } }',
  cascade: '{ cascade: { models: [a, b], check: { min_length: 3 } } }',
  parallel: '{ parallel: { models: [a, b], pick: first } }',
  sticky: '{ sticky: { target: { fallback: [b, a] } } }',
};

/** The fields every Decision has, in order; a policy adds only optional ones (`sticky`, `promptTokens`; a router's `guard` adds `guard`). */
const DECISION_FIELDS = ['requested', 'router', 'route', 'signals', 'policy', 'prediction', 'classification', 'similarity', 'balance', 'candidates', 'filtered', 'block', 'system', 'reference'];
const OPTIONAL_FIELDS = ['sticky', 'guard', 'promptTokens'];

const PROMPT = 'What is the capital of Austria?';

const answerNamingTheModel = (request: RecordedRequest) => ({ type: 'completion' as const, text: defaultReply(String(request.body?.['model'])) });

let upstream: FakeUpstream;
let config: ResolvedConfig;
let gateway: Gateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // The policies that read predictions get a classifier: the cheap model fails hard prompts.
  const classifier = tinyRouterFile(['a', 'b'], (model, hard) => (model === 'a' && hard ? 0 : 1));
  const routers = Object.entries(FIXTURES)
    .map(([name, target]) => `  ${name}:\n    classifier: { type: trained, path: ${JSON.stringify(classifier)} }\n    fallbacks: { a: [c], b: [c] }\n    default: ${target}`)
    .join('\n');
  config = parseConfig(
    `
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  a: { provider: fake, model: a-wire, price: { input: 0.1, output: 0.4 }, context_window: 128000 }
  b: { provider: fake, model: b-wire, price: { input: 3, output: 15 }, context_window: 128000 }
  c: { provider: fake, model: c-wire, price: { input: 1, output: 4 }, context_window: 128000 }
routers:
${routers}
`,
    'conformance.yaml',
    { env: {} },
  );
  gateway = await Gateway.create(config, { random: () => 0 });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const route = (name: string, health?: { openUntil(model: string): number | undefined }): Promise<{ decision: Decision; models: string[] }> =>
  new Routing(config, { health, random: () => 0 }).route(createChatRequest(name, PROMPT)).then(({ decision, steps }) => ({ decision, models: steps.flatMap((step) => step.specs.map((spec) => spec.name)) }));

it('has a fixture for every policy of the registry', () => {
  expect(Object.keys(FIXTURES).sort()).toEqual(POLICIES.map((policy) => policy.name).sort());
});

describe.each(Object.keys(FIXTURES))('policy %s', (name) => {
  const target = () => config.routers.get(name)?.defaultTarget as NonNullable<ReturnType<typeof config.routers.get>>['defaultTarget'];

  it('names itself in the Decision, with the standard fields in order', async () => {
    const { decision } = await route(name);
    expect(decision.policy).toBe(name);
    expect(decision).toMatchObject({ requested: name, router: name, route: 'default', block: null, reference: null });
    const keys = Object.keys(decision);
    expect(keys.filter((key) => !OPTIONAL_FIELDS.includes(key))).toEqual(DECISION_FIELDS);
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });

  it('puts one of its own models first, then router fallbacks, each model once', async () => {
    const { decision, models } = await route(name);
    expect(targetModels(target())).toContain(models[0]);
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual(models);
    expect(decision.candidates.some((candidate) => candidate.model === 'c' && candidate.source === 'fallback')).toBe(true);
    // Every model the target names is in the plan: a later step or a failover target, never dropped.
    for (const model of targetModels(target())) expect(models).toContain(model);
    // A policy that runs in steps numbers them; the others do not.
    const multiStep = POLICIES.find((policy) => policy.name === name)?.multiStep === true;
    expect(decision.candidates.map((candidate) => candidate.step !== undefined)).toEqual(decision.candidates.map(() => multiStep));
    // Within a step, no model is tried twice.
    const perStep = new Map<number, string[]>();
    for (const candidate of decision.candidates) perStep.set(candidate.step ?? -1, [...(perStep.get(candidate.step ?? -1) ?? []), candidate.model]);
    for (const step of perStep.values()) expect(new Set(step).size).toBe(step.length);
  });

  it('leaves out a model whose circuit is open, saying why, and keeps the others', async () => {
    const { models: before } = await route(name);
    const open = before[0] as string;
    const { decision, models } = await route(name, { openUntil: (model) => (model === open ? Date.now() + 60_000 : undefined) });
    expect(models).not.toContain(open);
    expect(models.length).toBeGreaterThan(0);
    expect(decision.filtered).toContainEqual(expect.objectContaining({ model: open, reason: 'circuit_open' }));
  });

  it('answers in one piece through the gateway, served by a model of its plan', async () => {
    const outcome = await gateway.generate(createChatRequest(name, PROMPT), { signal: new AbortController().signal });
    expect(outcome.type).toBe('completion');
    if (outcome.type !== 'completion') return;
    expect(outcome.decision.candidates.map((candidate) => candidate.model)).toContain(outcome.model.name);
    expect(outcome.trace).toMatchObject({ status: 'ok', model: outcome.model.name });
    expect(outcome.result.choices[0]?.message.content).toBeTruthy();
  });

  it('streams, ending with usage, and traces the stream when it ends', async () => {
    const outcome = await gateway.stream(createChatRequest(name, PROMPT, { stream: true }), { signal: new AbortController().signal });
    expect(outcome.type).toBe('stream');
    if (outcome.type !== 'stream') return;
    const parts: StreamPart[] = [];
    for await (const part of outcome.parts) parts.push(part);
    expect(parts.some((part) => part.type === 'text-delta')).toBe(true);
    expect(parts.at(-1)?.type).toBe('usage');
    await expect.poll(() => gateway.traces.get(outcome.traceId)?.status).toBe('ok');
    expect(gateway.traces.get(outcome.traceId)?.model).toBe(outcome.model.name);
  });

  it('stops every call when the client goes away, and traces the request as aborted', async () => {
    upstream.respond(() => ({ type: 'completion', text: 'late', delayMs: 5_000 }));
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const outcome = await gateway.generate(createChatRequest(name, PROMPT), { signal: controller.signal });
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(outcome.type).toBe('error');
      expect(outcome.type === 'error' && outcome.trace.status).toBe('aborted');
    } finally {
      upstream.respond(answerNamingTheModel);
    }
  });

  it('replays offline exactly as it routes, or says why it cannot', async () => {
    const router = config.routers.get(name);
    if (!router) throw new Error(`no router ${name}`);
    const data = parseScoredData([PROMPT, 'Prove the theorem step by step.'].map((prompt, id) => JSON.stringify({ id, prompt, scores: { a: 1, b: 1, c: 1 } })).join('\n'), 'replay.jsonl');
    const obstacle = offlineObstacle(target());
    if (obstacle) {
      await expect(replay(config, router, data, { map: new Map(), outputTokens: 100 })).rejects.toThrow(new ReplayError(`router "${name}" has a ${name} policy, ${obstacle}`));
      return;
    }
    const replayed = await replay(config, router, data, { map: new Map(), outputTokens: 100, random: () => 0 });
    for (const row of replayed.rows) {
      const { steps } = await new Routing(config, { random: () => 0 }).route(createChatRequest(name, row.example.messages));
      expect(replayed.columns[row.chosen as number]?.model).toBe(steps[0]?.specs[0]?.name);
    }
  });
});
