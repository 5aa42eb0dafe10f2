import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProviderHttpError } from '../errors/provider-errors.js';
import { AbortedError } from '../errors/request-errors.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { ChatResult } from '../spec/chat-result.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { LanguageModel, LanguageModelCallOptions, LanguageModelStream } from '../spec/language-model.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RELIABILITY, type ReliabilitySettings } from '../spec/reliability.js';
import { Cancellation } from '../util/cancellation.js';
import { CircuitBreakers } from './circuit-breaker.js';
import { executeGenerate, type ExecutionContext } from './executor.js';

type Behaviour = 'fail' | 'hang' | 'answer';

/** A model that fails at once with a 500, never answers (until its call is aborted), or answers; it counts its calls. */
class FakeModel implements LanguageModel {
  readonly specificationVersion = 'v1';
  readonly provider = 'prov';
  readonly wireModel: string;
  calls = 0;

  constructor(
    readonly name: string,
    private readonly behaviour: Behaviour,
  ) {
    this.wireModel = name;
  }

  async doGenerate(_request: ChatRequest, options: LanguageModelCallOptions): Promise<ChatResult> {
    this.calls++;
    if (this.behaviour === 'fail') throw new ProviderHttpError({ source: { provider: this.provider, model: this.name }, status: 500, message: 'down' });
    if (this.behaviour === 'hang') {
      return new Promise((_resolve, reject) => {
        options.cancellation.onAbort(() => reject(new AbortedError('This operation was aborted')));
      });
    }
    return {
      id: 'x',
      created: 0,
      responseModel: this.name,
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finishReason: { unified: 'stop', raw: 'stop' } }],
      // Reported, so that no tokenizer is loaded to estimate it (that takes a second on a busy machine).
      usage: { inputTokens: 5, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 1, reasoningTokens: undefined, estimated: false },
      extra: {},
    };
  }

  doStream(): Promise<LanguageModelStream> {
    return Promise.reject(new Error('not used'));
  }
}

type Overrides = { retry?: Partial<ReliabilitySettings['retry']>; timeout?: Partial<ReliabilitySettings['timeout']>; circuitBreaker?: Partial<ReliabilitySettings['circuitBreaker']> };

function spec(name: string, overrides: Overrides = {}): ModelSpec {
  return {
    name,
    provider: 'prov',
    wireModel: name,
    price: { input: 1, cachedInput: undefined, cacheWrite: undefined, output: 2 },
    contextWindow: undefined,
    maxOutput: undefined,
    capabilities: { tools: undefined, jsonSchema: undefined, vision: undefined, streaming: undefined, reasoning: undefined, builtinTools: undefined },
    reliability: {
      retry: { ...DEFAULT_RELIABILITY.retry, ...overrides.retry },
      timeout: { ...DEFAULT_RELIABILITY.timeout, ...overrides.timeout },
      circuitBreaker: { ...DEFAULT_RELIABILITY.circuitBreaker, ...overrides.circuitBreaker },
    },
    origin: 'config',
  };
}

function context(models: FakeModel[], specs: ModelSpec[]): ExecutionContext {
  return {
    cancellation: Cancellation.NEVER,
    models: new Map(models.map((model) => [model.name, model])),
    breakers: new CircuitBreakers(specs),
    random: () => 0,
    startedAt: performance.now(),
  };
}

const request = createChatRequest('auto', 'hello');
const options = { failoverOnContentFilter: false };

afterEach(() => {
  vi.useRealTimers();
});

describe('executeGenerate, retries against an opening circuit', () => {
  it('spends no backoff on a deployment whose circuit the failure just opened: it moves to the next model at once', async () => {
    const specs = [spec('dead', { retry: { initialDelayMs: 5_000 }, circuitBreaker: { consecutiveFailures: 1 } }), spec('alive')];
    const dead = new FakeModel('dead', 'fail');
    const alive = new FakeModel('alive', 'answer');
    const started = performance.now();
    const run = await executeGenerate(specs, request, context([dead, alive], specs), options);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(run.ok && run.spec.name).toBe('alive');
    expect(dead.calls).toBe(1);
    expect(run.attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      ['dead', 'error'],
      ['alive', 'ok'],
    ]);
  });

  it('still backs off and retries while the circuit stays closed', async () => {
    const specs = [spec('flaky', { retry: { initialDelayMs: 20, maxAttempts: 2 } })];
    const flaky = new FakeModel('flaky', 'fail');
    const run = await executeGenerate(specs, request, context([flaky], specs), options);
    expect(run.ok).toBe(false);
    expect(flaky.calls).toBe(2);
  });
});

describe('executeGenerate, the request deadline (timeout.request_ms)', () => {
  it('bounds the whole request across retries and fallbacks: no backoff past it, the next model cut at it', async () => {
    const timing = { requestMs: 400, totalMs: 60_000 };
    const specs = [spec('flaky', { retry: { initialDelayMs: 150, maxAttempts: 10 }, timeout: timing }), spec('silent', { timeout: timing })];
    const flaky = new FakeModel('flaky', 'fail');
    const silent = new FakeModel('silent', 'hang');
    const started = performance.now();
    const run = await executeGenerate(specs, request, context([flaky, silent], specs), options);
    const elapsed = performance.now() - started;
    // flaky fails at 0 and 150 ms; a 300 ms backoff would end past 400 ms, so it hands over; silent is cut at 400 ms.
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1_500);
    expect(flaky.calls).toBe(2);
    expect(silent.calls).toBe(1);
    expect(run.ok).toBe(false);
    expect(run.attempts.at(-1)).toMatchObject({ model: 'silent', error: { kind: 'upstream_timeout', message: 'silent had not answered when the request reached its deadline of 400 ms' } });
  });

  it('does not retry a call that ran out of its whole total_ms when less than that is left of the request', async () => {
    const timing = { requestMs: 600, totalMs: 200 };
    const specs = [spec('slow', { retry: { initialDelayMs: 10, maxAttempts: 3 }, timeout: timing }), spec('next', { timeout: timing })];
    const slow = new FakeModel('slow', 'hang');
    const next = new FakeModel('next', 'answer');
    const run = await executeGenerate(specs, request, context([slow, next], specs), options);
    // Cut at 200 ms (400 left: retried), cut again at ~410 ms (~190 left, under 200: the next model answers instead).
    expect(slow.calls).toBe(2);
    expect(run.ok && run.spec.name).toBe('next');
  });

  it('skips a model whose turn comes after the deadline, saying why', async () => {
    const timing = { requestMs: 200, totalMs: 60_000 };
    const specs = [spec('silent', { timeout: timing }), spec('next', { timeout: timing })];
    const silent = new FakeModel('silent', 'hang');
    const next = new FakeModel('next', 'answer');
    const run = await executeGenerate(specs, request, context([silent, next], specs), options);
    expect(run.ok).toBe(false);
    expect(silent.calls).toBe(1);
    expect(next.calls).toBe(0);
    expect(run.skipped).toEqual([{ model: 'next', reason: 'deadline', detail: "the request had used up its 200 ms budget (timeout.request_ms) before this model's turn" }]);
  });

  it('with the default settings, a JSON request on models that never answer ends after 300 s (it took 3 × 600 s a model)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const specs = [spec('silent'), spec('silent-too')];
    const models = [new FakeModel('silent', 'hang'), new FakeModel('silent-too', 'hang')];
    let settled = false;
    const running = executeGenerate(specs, request, context(models, specs), options).then((run) => {
      settled = true;
      return run;
    });
    await vi.advanceTimersByTimeAsync(299_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    const run = await running;
    expect(run.ok).toBe(false);
    expect(models.map((model) => model.calls)).toEqual([1, 0]);
  });
});
