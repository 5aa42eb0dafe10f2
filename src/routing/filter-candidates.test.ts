import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage, ChatRequest } from '../spec/chat-request.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { Candidate, FilteredCandidate } from '../spec/decision.js';
import type { ModelCapabilities, ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../spec/reliability.js';
import type * as EstimateUsage from '../tokens/estimate-usage.js';
import { estimatePromptTokens } from '../tokens/estimate-usage.js';
import type { StepPlan } from './build-step-plan.js';
import { filterCandidates, requiredCapabilities, type DeploymentHealth } from './filter-candidates.js';

// The real estimator, watched: tells whether the context-window check had to tokenize.
vi.mock('../tokens/estimate-usage.js', async (importOriginal) => {
  const actual = await importOriginal<typeof EstimateUsage>();
  return { ...actual, estimatePromptTokens: vi.fn(actual.estimatePromptTokens) };
});

const UNKNOWN: ModelCapabilities = { tools: undefined, jsonSchema: undefined, vision: undefined, streaming: undefined, reasoning: undefined, builtinTools: undefined };

function spec(name: string, options: { contextWindow?: number; maxOutput?: number; capabilities?: Partial<ModelCapabilities> } = {}): ModelSpec {
  return {
    name,
    provider: 'prov',
    wireModel: name,
    price: { input: 1, cachedInput: undefined, cacheWrite: undefined, output: 2 },
    contextWindow: options.contextWindow,
    maxOutput: options.maxOutput,
    capabilities: { ...UNKNOWN, ...options.capabilities },
    reliability: DEFAULT_RELIABILITY,
    origin: 'config',
  };
}

function plan(specs: ModelSpec[], filtered: FilteredCandidate[] = []): StepPlan {
  return {
    policy: 'fallback',
    candidates: specs.map((item, index): Candidate => ({ model: item.name, provider: item.provider, source: index === 0 ? 'target' : 'fallback' })),
    filtered,
    specs,
  };
}

function health(open: Record<string, number>): DeploymentHealth {
  return { openUntil: (model) => open[model] };
}

const names = (items: readonly { model: string }[]): string[] => items.map((item) => item.model);
const specNames = (items: readonly ModelSpec[]): string[] => items.map((item) => item.name);
const needs = (request: ChatRequest): string[] => requiredCapabilities(request).map((need) => need.capability);

const imageMessage: ChatMessage = {
  role: 'user',
  content: [
    { type: 'text', text: 'What is in this picture?' },
    { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
  ],
};
const imageRequest = createChatRequest('auto', [imageMessage]);
const T = Date.parse('2030-01-01T00:00:00.000Z');

describe('requiredCapabilities', () => {
  it('needs nothing for a plain text request', () => {
    expect(needs(createChatRequest('auto', 'hello'))).toEqual([]);
  });

  it('needs tools when the request offers tools, not when the list is empty', () => {
    const tools = [{ type: 'function', function: { name: 'get_weather' } }];
    expect(needs(createChatRequest('auto', 'hi', { tools }))).toEqual(['tools']);
    expect(needs(createChatRequest('auto', 'hi', { tools: [] }))).toEqual([]);
  });

  it('needs tools when the history holds a tool call or a tool result', () => {
    const call: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
    };
    const result: ChatMessage = { role: 'tool', tool_call_id: 'call_1', content: 'sunny' };
    expect(needs(createChatRequest('auto', [{ role: 'user', content: 'weather?' }, call]))).toEqual(['tools']);
    expect(needs(createChatRequest('auto', [{ role: 'user', content: 'weather?' }, result]))).toEqual(['tools']);
    expect(needs(createChatRequest('auto', [{ role: 'assistant', content: 'hi', tool_calls: [] }]))).toEqual([]);
  });

  it('needs jsonSchema for a json_schema response format but not for json_object', () => {
    const schema = createChatRequest('auto', 'hi', { responseFormat: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } });
    expect(needs(schema)).toEqual(['jsonSchema']);
    expect(needs(createChatRequest('auto', 'hi', { responseFormat: { type: 'json_object' } }))).toEqual([]);
  });

  it('needs vision for an image_url part, not for text parts', () => {
    expect(needs(imageRequest)).toEqual(['vision']);
    expect(needs(createChatRequest('auto', [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]))).toEqual([]);
  });

  it('needs streaming for a stream', () => {
    expect(needs(createChatRequest('auto', 'hi', { stream: true }))).toEqual(['streaming']);
  });

  it('lists every need of a request that has several', () => {
    const request = createChatRequest('auto', [imageMessage], { stream: true, tools: [{ type: 'function', function: { name: 'f' } }] });
    expect(needs(request).sort()).toEqual(['streaming', 'tools', 'vision']);
  });
});

describe('filterCandidates', () => {
  beforeEach(() => {
    vi.mocked(estimatePromptTokens).mockClear();
  });

  it('keeps every candidate, in order, when nothing rules one out', () => {
    const specs = [spec('a'), spec('b'), spec('c')];
    const result = filterCandidates(plan(specs), createChatRequest('auto', 'hello'), undefined);
    expect(names(result.candidates)).toEqual(['a', 'b', 'c']);
    expect(result.specs).toEqual(specs);
    expect(result.filtered).toEqual([]);
  });

  it('filters a model known to lack vision for an image request, and keeps one nobody said about', () => {
    const specs = [spec('blind', { capabilities: { vision: false } }), spec('unknown'), spec('sees', { capabilities: { vision: true } })];
    const result = filterCandidates(plan(specs), imageRequest, undefined);
    expect(names(result.candidates)).toEqual(['unknown', 'sees']);
    expect(specNames(result.specs)).toEqual(['unknown', 'sees']);
    expect(result.filtered).toEqual([{ model: 'blind', reason: 'capability', detail: 'the request needs image input, which "blind" does not support' }]);
  });

  it('filters a text-only model for a request with a PDF, naming the need', () => {
    const pdf = createChatRequest('auto', [
      { role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } }, { type: 'text', text: 'Summarize.' }] },
    ]);
    const result = filterCandidates(plan([spec('blind', { capabilities: { vision: false } }), spec('reads', { capabilities: { vision: true } })]), pdf, undefined);
    expect(names(result.candidates)).toEqual(['reads']);
    expect(result.filtered).toEqual([{ model: 'blind', reason: 'capability', detail: 'the request needs document input (PDF), which "blind" does not support' }]);
  });

  it('does not filter on a capability the request does not need', () => {
    const result = filterCandidates(plan([spec('blind', { capabilities: { vision: false, tools: false } })]), createChatRequest('auto', 'hi'), undefined);
    expect(names(result.candidates)).toEqual(['blind']);
  });

  it('never tokenizes a short prompt', () => {
    const result = filterCandidates(plan([spec('small', { contextWindow: 1_000 })]), createChatRequest('auto', 'hello'), undefined);
    expect(names(result.candidates)).toEqual(['small']);
    expect(estimatePromptTokens).not.toHaveBeenCalled();
  });

  it('filters a model whose context window the prompt exceeds, naming the numbers', () => {
    const request = createChatRequest('auto', 'word '.repeat(4_000));
    const result = filterCandidates(plan([spec('small', { contextWindow: 1_000 }), spec('large', { contextWindow: 100_000 })]), request, undefined);
    expect(names(result.candidates)).toEqual(['large']);
    const tokens = estimatePromptTokens(request);
    expect(tokens).toBeGreaterThan(1_000);
    expect(result.filtered).toEqual([{ model: 'small', reason: 'context_window', detail: `~${tokens} prompt tokens exceed its context window of 1000` }]);
  });

  it('keeps a model whose window the byte bound exceeds but the estimate fits', () => {
    const request = createChatRequest('auto', 'word '.repeat(400)); // 2,000 bytes, far fewer tokens
    const result = filterCandidates(plan([spec('mid', { contextWindow: 1_500 })]), request, undefined);
    expect(names(result.candidates)).toEqual(['mid']);
    expect(estimatePromptTokens).toHaveBeenCalledTimes(1);
  });

  it('tokenizes at most once per request, however many models need it', () => {
    const request = createChatRequest('auto', 'word '.repeat(4_000));
    filterCandidates(plan([spec('a', { contextWindow: 1_000 }), spec('b', { contextWindow: 2_000 }), spec('c', { contextWindow: 3_000 })]), request, undefined);
    expect(estimatePromptTokens).toHaveBeenCalledTimes(1);
  });

  it('never filters a model whose context window is unknown', () => {
    const result = filterCandidates(plan([spec('unknown')]), createChatRequest('auto', 'word '.repeat(4_000)), undefined);
    expect(names(result.candidates)).toEqual(['unknown']);
  });

  it('counts maxOutputTokens against the context window', () => {
    const tooMuch = createChatRequest('auto', 'hello', { maxOutputTokens: 200 });
    const result = filterCandidates(plan([spec('small', { contextWindow: 100 })]), tooMuch, undefined);
    expect(result.candidates).toEqual([]);
    const tokens = estimatePromptTokens(tooMuch);
    expect(result.filtered).toEqual([
      { model: 'small', reason: 'context_window', detail: `~${tokens} prompt tokens + 200 max output tokens exceed its context window of 100` },
    ]);

    const fits = createChatRequest('auto', 'hello', { maxOutputTokens: 50 });
    expect(names(filterCandidates(plan([spec('small', { contextWindow: 100 })]), fits, undefined).candidates)).toEqual(['small']);
  });

  it('filters a model whose maximum output is below the max_tokens asked for', () => {
    const request = createChatRequest('auto', 'hello', { maxOutputTokens: 10_000 });
    const result = filterCandidates(plan([spec('short', { maxOutput: 4_096 }), spec('long', { maxOutput: 32_000 })]), request, undefined);
    expect(names(result.candidates)).toEqual(['long']);
    expect(result.filtered).toEqual([{ model: 'short', reason: 'context_window', detail: 'max output tokens 10000 exceed its maximum output of 4096' }]);
  });

  it('counts the legacy `functions` field and function-call history as needing tools', () => {
    const legacy = createChatRequest('auto', 'hi', { passthrough: { functions: [{ name: 'f', parameters: {} }] } });
    expect(names(filterCandidates(plan([spec('no-tools', { capabilities: { tools: false } })]), legacy, undefined).candidates)).toEqual([]);
    const history = createChatRequest('auto', [
      { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } },
      { role: 'function', name: 'f', content: '42' },
    ]);
    expect(requiredCapabilities(history).map((need) => need.capability)).toEqual(['tools']);
  });

  it('filters a model whose circuit is open, saying until when', () => {
    const result = filterCandidates(plan([spec('a'), spec('b'), spec('c')]), createChatRequest('auto', 'hi'), health({ b: T }));
    expect(names(result.candidates)).toEqual(['a', 'c']);
    expect(specNames(result.specs)).toEqual(['a', 'c']);
    expect(result.filtered).toEqual([{ model: 'b', reason: 'circuit_open', detail: 'circuit breaker open until 2030-01-01T00:00:00.000Z' }]);
  });

  it('when every compatible candidate is open, leaves none to call (only a probe calls a dead deployment), with every reason', () => {
    const specs = [spec('a'), spec('b'), spec('blind', { capabilities: { vision: false } }), spec('c')];
    const result = filterCandidates(plan(specs), imageRequest, health({ a: T + 2_000, b: T + 1_000, blind: T, c: T + 3_000 }));
    expect(result.specs).toEqual([]);
    expect(result.candidates).toEqual([]);
    expect(result.filtered.map((item) => [item.model, item.reason])).toEqual([
      ['a', 'circuit_open'],
      ['b', 'circuit_open'],
      ['blind', 'capability'],
      ['c', 'circuit_open'],
    ]);
  });

  it('leaves nothing when the only candidates are incompatible', () => {
    const specs = [spec('blind', { capabilities: { vision: false } }), spec('small', { contextWindow: 100 })];
    const request = createChatRequest('auto', [imageMessage], { maxOutputTokens: 500 });
    const result = filterCandidates(plan(specs), request, health({ blind: T, small: T }));
    expect(result.candidates).toEqual([]);
    expect(result.specs).toEqual([]);
    expect(result.filtered.map((item) => [item.model, item.reason])).toEqual([
      ['blind', 'capability'],
      ['small', 'context_window'],
    ]);
  });

  it("keeps the plan's own provider_disabled entries first", () => {
    const disabled: FilteredCandidate = { model: 'off', reason: 'provider_disabled', detail: 'provider "x" is disabled: set X_API_KEY' };
    const thePlan = plan([spec('a'), spec('blind', { capabilities: { vision: false } })], [disabled]);
    expect(filterCandidates(thePlan, imageRequest, undefined).filtered).toEqual([disabled, expect.objectContaining({ model: 'blind', reason: 'capability' })]);
    expect(filterCandidates(thePlan, imageRequest, health({ a: T })).filtered[0]).toEqual(disabled);
    expect(filterCandidates(plan([], [disabled]), imageRequest, undefined)).toEqual({ candidates: [], specs: [], filtered: [disabled] });
  });

  it("does not change the plan's filtered list", () => {
    const disabled: FilteredCandidate = { model: 'off', reason: 'provider_disabled', detail: 'disabled' };
    const filtered = [disabled];
    filterCandidates(plan([spec('blind', { capabilities: { vision: false } })], filtered), imageRequest, undefined);
    expect(filtered).toEqual([disabled]);
  });
});

describe("filterCandidates and OpenAI's built-in tools", () => {
  const webSearch = [{ type: 'function', function: { name: 'lookup' } }, { type: 'web_search' }, { type: 'file_search', vector_store_ids: ['vs_1'] }, { type: 'web_search' }];
  const responsesRequest = createChatRequest('auto', 'find it', { dialect: 'responses', tools: webSearch });
  const runs = spec('runs', { capabilities: { builtinTools: true } });
  const unknown = spec('unknown');
  const cannot = spec('cannot', { capabilities: { builtinTools: false } });

  it('keeps only the models that run them when one does, and filters the others naming the tool types', () => {
    const result = filterCandidates(plan([unknown, runs, cannot]), responsesRequest, undefined);
    expect(names(result.candidates)).toEqual(['runs']);
    expect(specNames(result.specs)).toEqual(['runs']);
    expect(result.candidates[0]?.note).toBeUndefined();
    const detail = (model: string): string => `the request declares built-in tools (web_search, file_search), which "${model}" does not run (capabilities.builtin_tools)`;
    expect(result.filtered).toEqual([
      { model: 'unknown', reason: 'capability', detail: detail('unknown') },
      { model: 'cannot', reason: 'capability', detail: detail('cannot') },
    ]);
  });

  it('keeps every model, each with a note that the tools are dropped, when none runs them', () => {
    const result = filterCandidates(plan([unknown, cannot]), responsesRequest, undefined);
    expect(names(result.candidates)).toEqual(['unknown', 'cannot']);
    expect(result.filtered).toEqual([]);
    for (const candidate of result.candidates) {
      expect(candidate.note).toBe("tried without the request's built-in tools (web_search, file_search): no model of the plan runs them (capabilities.builtin_tools), so they are dropped");
    }
  });

  it('decides among the models left after the other checks: an open circuit on the only one that runs them keeps the rest', () => {
    const result = filterCandidates(plan([runs, unknown]), responsesRequest, health({ runs: T }));
    expect(names(result.candidates)).toEqual(['unknown']);
    expect(result.candidates[0]?.note).toContain('web_search, file_search');
    expect(result.filtered.map((item) => item.reason)).toEqual(['circuit_open']);
  });

  it('ignores function tools, and tools of other types from another dialect (an Anthropic server tool runs at Anthropic)', () => {
    const functionsOnly = createChatRequest('auto', 'hi', { dialect: 'responses', tools: [{ type: 'function', function: { name: 'lookup' } }] });
    const anthropicServerTool = createChatRequest('auto', 'hi', { dialect: 'anthropic', tools: [{ type: 'web_search_20250305', name: 'web_search' }] });
    for (const request of [functionsOnly, anthropicServerTool]) {
      const result = filterCandidates(plan([unknown, runs]), request, undefined);
      expect(names(result.candidates)).toEqual(['unknown', 'runs']);
      expect(result.candidates.every((candidate) => candidate.note === undefined)).toBe(true);
    }
  });

  it("does not change the plan's candidates when it notes them", () => {
    const shared = plan([unknown]);
    filterCandidates(shared, responsesRequest, undefined);
    expect(shared.candidates[0]?.note).toBeUndefined();
  });
});
