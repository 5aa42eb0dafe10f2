import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { measureComplexity } from '../../src/features/complexity.js';
import { parseScoredData } from '../../src/learning/scored-data.js';
import { DEFAULT_FEATURES, DEFAULT_LOGISTIC, trainRouter } from '../../src/learning/train-router.js';
import type { TrainedRouter } from '../../src/learning/trained-router.js';
import type { Decision } from '../../src/spec/decision.js';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';
import { syntheticPrompt } from '../support/synthetic-prompts.js';

/**
 * A router trained on scored data, loaded by a real gateway in front of the fake upstream: the
 * strong_weak policy sends hard prompts to the strong model and easy ones to the weak one; the
 * complexity condition does the same without training.
 */

const HARD_PROMPT = 'Prove that the integral of a polynomial over a closed interval is finite: first state the lemma, then derive each step and justify the bound.';
const EASY_PROMPT = 'What is the capital of Austria?';
const TECHNICAL_TASK = [
  'First, design a distributed algorithm for leader election over an unreliable protocol and prove its correctness step by step.',
  'Then analyze its asymptotic complexity and message latency, compare the trade-offs against Raft, and finally implement it:',
  '```python',
  'def elect(nodes):',
  '    return max(nodes)',
  '```',
  'Return the result as a JSON table of 3 scenarios with 5, 7 and 9 nodes.',
].join('\n');

/** 240 scored prompts: the small model fails the hard half, the big one answers everything. */
function trainTinyRouter(): TrainedRouter {
  const lines: string[] = [];
  for (let i = 0; i < 240; i++) {
    const { prompt, hard } = syntheticPrompt(i);
    lines.push(JSON.stringify({ id: i, prompt, scores: { 'big-model': 1, 'small-model': hard ? 0 : 1 } }));
  }
  const { router } = trainRouter(parseScoredData(lines.join('\n'), 'tiny.jsonl'), {
    rename: new Map([
      ['big-model', 'strong'],
      ['small-model', 'weak'],
    ]),
    models: ['big-model', 'small-model'],
    seed: 1,
    holdout: 0,
    features: DEFAULT_FEATURES,
    logistic: DEFAULT_LOGISTIC,
    dataName: 'tiny.jsonl',
  });
  return router;
}

let upstream: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;
let trained: TrainedRouter;

beforeAll(async () => {
  trained = trainTinyRouter();
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-learned-')), 'router.json');
  writeFileSync(file, JSON.stringify(trained.toJSON()));
  upstream = await startFakeUpstream();
  gateway = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  weak:   { provider: fake, model: weak-wire,   price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 }, context_window: 200000 }
routers:
  learned:
    reference: strong
    classifier: { type: trained, path: ${JSON.stringify(file)} }
    default: { strong_weak: { strong: strong, weak: weak, threshold: 0.3 } }
  complex:
    routes:
      hard: { when: { complexity: { min: 0.5 } }, target: strong }
    default: weak
`);
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

afterEach(() => {
  upstream.requests.length = 0;
});

const ask = (model: string, content: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();

async function decide(model: string, content: string): Promise<Decision> {
  const response = await fetch(`${gateway.baseURL}/route`, { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content }] }) });
  expect(response.status).toBe(200);
  return (await response.json()) as Decision;
}

describe('a strong_weak router with a trained classifier', () => {
  it('sends a hard prompt to the strong model and an easy one to the weak model', async () => {
    const hard = await ask('learned', HARD_PROMPT);
    const easy = await ask('learned', EASY_PROMPT);
    expect(hard.response.headers.get('x-switchyard-model')).toBe('strong');
    expect(easy.response.headers.get('x-switchyard-model')).toBe('weak');
    expect([hard.data.model, easy.data.model]).toEqual(['strong', 'weak']);
    expect(hard.response.headers.get('x-switchyard-route')).toBe('default');
    expect(hard.data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['strong-wire', 'weak-wire']);
  });

  it('explains the choice in the Decision: the predicted score of both models and the gain', async () => {
    const round = (value: number): number => Math.round(value * 10_000) / 10_000;
    for (const [prompt, chosen] of [
      [HARD_PROMPT, 'strong'],
      [EASY_PROMPT, 'weak'],
    ] as const) {
      const decision = await decide('learned', prompt);
      expect(decision).toMatchObject({ router: 'learned', route: 'default', policy: 'strong_weak', signals: [], reference: 'strong' });
      expect(decision.candidates[0]?.model).toBe(chosen);
      const prediction = decision.prediction;
      if (prediction?.policy !== 'strong_weak') throw new Error(`expected a strong_weak prediction, got ${JSON.stringify(prediction)}`);
      expect(prediction.threshold).toBe(0.3);
      expect(prediction.chosen).toBe(chosen);
      // The gateway computes exactly what the trained file predicts for this text.
      const [strong, weak] = [trained.position('strong'), trained.position('weak')].map((at) => trained.predict(prompt)[at as number] as number) as [number, number];
      expect(prediction.predicted).toEqual({ weak: round(weak), strong: round(strong) });
      // The gateway compares the predictions at the precision the Decision shows.
      expect(prediction.gain).toBe(round(round(strong) - round(weak)));
      if (chosen === 'strong') expect(prediction.gain).toBeGreaterThanOrEqual(0.3);
      else expect(prediction.gain).toBeLessThan(0.3);
    }
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('a complexity route', () => {
  it('sends a long multi-step technical task to its target, with the score as the signal, and "hi" to the default', async () => {
    const task = await ask('complex', TECHNICAL_TASK);
    expect(task.response.headers.get('x-switchyard-route')).toBe('hard');
    expect(task.response.headers.get('x-switchyard-model')).toBe('strong');
    const hi = await ask('complex', 'hi');
    expect(hi.response.headers.get('x-switchyard-route')).toBe('default');
    expect(hi.response.headers.get('x-switchyard-model')).toBe('weak');
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['strong-wire', 'weak-wire']);

    const decision = await decide('complex', TECHNICAL_TASK);
    const expected = Math.round(measureComplexity(TECHNICAL_TASK).score * 10_000) / 10_000;
    expect(expected).toBeGreaterThanOrEqual(0.5);
    expect(decision).toMatchObject({ route: 'hard', policy: 'single', prediction: null, signals: [{ signal: 'complexity', route: 'hard', score: expected }] });
    const simple = await decide('complex', 'hi');
    expect(simple).toMatchObject({ route: 'default', signals: [], candidates: [{ model: 'weak' }] });
  });
});
