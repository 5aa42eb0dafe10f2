import { describe, expect, it } from 'vitest';
import { DeploymentQuotaError } from '../errors/execution-errors.js';
import { ProviderHttpError } from '../errors/provider-errors.js';
import type { ChatResult } from '../spec/chat-result.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { LanguageModel, LanguageModelStream } from '../spec/language-model.js';
import type { DeploymentLimits, ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../spec/reliability.js';
import { Cancellation } from '../util/cancellation.js';
import { CircuitBreakers } from './circuit-breaker.js';
import { DeploymentQuotas } from './deployment-quota.js';
import { executeGenerate, type ExecutionContext } from './executor.js';

/** Answers with the given usage, or fails with a retryable 500 for its first `failures` calls; counts its calls. */
class FakeModel implements LanguageModel {
  readonly specificationVersion = 'v1';
  readonly provider = 'prov';
  calls = 0;

  readonly wireModel: string;

  constructor(
    readonly name: string,
    private readonly failures = 0,
  ) {
    this.wireModel = name;
  }

  async doGenerate(): Promise<ChatResult> {
    this.calls++;
    if (this.calls <= this.failures) throw new ProviderHttpError({ source: { provider: this.provider, model: this.name }, status: 500, message: 'down' });
    return {
      id: 'x',
      created: 0,
      responseModel: this.wireModel,
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finishReason: { unified: 'stop', raw: 'stop' } }],
      usage: { inputTokens: 5, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 1, reasoningTokens: undefined, estimated: false },
      extra: {},
    };
  }

  doStream(): Promise<LanguageModelStream> {
    return Promise.reject(new Error('not used'));
  }
}

function spec(name: string, limits?: DeploymentLimits): ModelSpec {
  return {
    name,
    provider: 'prov',
    wireModel: name,
    price: { input: 1, cachedInput: undefined, cacheWrite: undefined, output: 2 },
    contextWindow: undefined,
    maxOutput: undefined,
    capabilities: { tools: undefined, jsonSchema: undefined, vision: undefined, streaming: undefined, reasoning: undefined, builtinTools: undefined },
    reliability: { ...DEFAULT_RELIABILITY, retry: { ...DEFAULT_RELIABILITY.retry, initialDelayMs: 1, maxDelayMs: 1 } },
    origin: 'config',
    ...(limits ? { limits } : {}),
  };
}

function context(models: FakeModel[], specs: ModelSpec[], quotas: DeploymentQuotas): ExecutionContext {
  return {
    cancellation: Cancellation.NEVER,
    models: new Map(models.map((model) => [model.name, model])),
    breakers: new CircuitBreakers(specs),
    quotas,
    random: () => 0,
    startedAt: performance.now(),
  };
}

const request = createChatRequest('auto', 'hello', { maxOutputTokens: 10 });
const options = { failoverOnContentFilter: false };

describe('executeGenerate with deployment quotas', () => {
  it('refuses a call its quota cannot admit, without calling, and says when the quota frees', async () => {
    const specs = [spec('full', { rpm: 1 })];
    const quotas = new DeploymentQuotas(specs);
    quotas.get('full')?.admit(1);
    const model = new FakeModel('full');
    const run = await executeGenerate(specs, request, context([model], specs, quotas), options);
    expect(model.calls).toBe(0);
    expect(run.ok).toBe(false);
    const error = !run.ok ? run.error : undefined;
    expect(error).toBeInstanceOf(DeploymentQuotaError);
    expect((error as DeploymentQuotaError).retryAfterMs).toBeGreaterThan(59_000);
    expect(run.skipped).toEqual([expect.objectContaining({ model: 'full', reason: 'rate_limited' })]);
  });

  it('counts each retry as a call: a retry the quota refuses moves on to the next model', async () => {
    const specs = [spec('one-rpm', { rpm: 1 }), spec('spare')];
    const quotas = new DeploymentQuotas(specs);
    const limited = new FakeModel('one-rpm', 1);
    const spare = new FakeModel('spare');
    const run = await executeGenerate(specs, request, context([limited, spare], specs, quotas), options);
    expect(run.ok && run.spec.name).toBe('spare');
    expect([limited.calls, spare.calls]).toEqual([1, 1]);
    expect(run.skipped).toEqual([expect.objectContaining({ model: 'one-rpm', reason: 'rate_limited' })]);
  });

  it('settles each call with its usage', async () => {
    const specs = [spec('metered', { tpm: 1_000 })];
    const quotas = new DeploymentQuotas(specs);
    await executeGenerate(specs, request, context([new FakeModel('metered')], specs, quotas), options);
    expect(quotas.get('metered')?.used()).toEqual({ requests: 1, tokens: 6 });
  });
});
