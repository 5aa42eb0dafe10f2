import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { Candidate } from '../spec/decision.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../spec/reliability.js';
import { loadTokenizer } from '../tokens/count-tokens.js';
import { estimatePromptTokens } from '../tokens/estimate-usage.js';
import { tokenCounter } from '../tokens/token-counter.js';
import type { StepPlan } from './build-step-plan.js';
import { filterCandidates } from './filter-candidates.js';
import { measurePrompt } from './measure-prompt.js';

function spec(name: string, contextWindow: number | undefined): ModelSpec {
  return {
    name,
    provider: 'prov',
    wireModel: name,
    price: { input: 1, cachedInput: undefined, cacheWrite: undefined, output: 2 },
    contextWindow,
    maxOutput: undefined,
    capabilities: { tools: undefined, jsonSchema: undefined, vision: undefined, streaming: undefined, reasoning: undefined, builtinTools: undefined },
    reliability: DEFAULT_RELIABILITY,
    origin: 'config',
  };
}

const plan = (specs: ModelSpec[]): StepPlan => ({
  policy: 'fallback',
  candidates: specs.map((item): Candidate => ({ model: item.name, provider: item.provider, source: 'target' })),
  filtered: [],
  specs,
});

beforeAll(async () => {
  await loadTokenizer();
});

afterAll(async () => {
  await tokenCounter.terminate();
});

describe('measurePrompt', () => {
  it('counts nothing for a prompt whose bytes fit every window', async () => {
    const measure = await measurePrompt(createChatRequest('m', 'hello'), [spec('small', 1_000), spec('unknown', undefined)]);
    expect(measure.count).toBeUndefined();
    expect(measure.decision).toBeUndefined();
  });

  it('counts nothing for a prompt whose bytes alone are over every window it may not fit, and says so', async () => {
    // 256 KB: at least 2,048 tokens whatever they are, over a 1,000-token window; nothing counts them.
    const request = createChatRequest('m', 'word '.repeat(52_429));
    const measuring = measurePrompt(request, [spec('small', 1_000), spec('unknown', undefined)]);
    expect(tokenCounter.inFlight).toBe(0);
    const measure = await measuring;
    expect(measure.count).toBeUndefined();
    expect(measure.decision).toEqual({ tokens: measure.lower, method: 'at_least' });
    const filtered = filterCandidates(plan([spec('small', 1_000), spec('unknown', undefined)]), request, undefined, measure);
    expect(filtered.specs.map((item) => item.name)).toEqual(['unknown']);
    expect(filtered.filtered).toEqual([{ model: 'small', reason: 'context_window', detail: `at least ${measure.lower} prompt tokens exceed its context window of 1000` }]);
  });

  it('counts, off the event loop and exactly, a prompt whose bounds straddle a window', async () => {
    const request = createChatRequest('m', 'word '.repeat(4_000), { maxOutputTokens: 100 });
    const measure = await measurePrompt(request, [spec('small', 1_000), spec('large', 100_000)]);
    const tokens = estimatePromptTokens(request);
    expect(measure.decision).toEqual({ tokens, method: 'counted' });
    const filtered = filterCandidates(plan([spec('small', 1_000), spec('large', 100_000)]), request, undefined, measure);
    expect(filtered.specs.map((item) => item.name)).toEqual(['large']);
    expect(filtered.filtered).toEqual([{ model: 'small', reason: 'context_window', detail: `~${tokens} prompt tokens + 100 max output tokens exceed its context window of 1000` }]);
  });
});
