import type { ResolvedConfig } from '../config/resolved-config.js';
import { InternalError, InvalidRequestError } from '../errors/request-errors.js';
import { ProviderProtocolError } from '../errors/provider-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import { executeCall, type ExecutionContext } from '../execution/executor.js';
import type { Routing } from '../routing/routing.js';
import type { KeyGovernor } from '../keys/admission.js';
import { traceCallerOf } from '../keys/caller.js';
import type { RateLimitSnapshot } from '../spec/rate-limit.js';
import type { ChatRequest } from '../spec/chat-request.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { Decision, FilteredCandidate } from '../spec/decision.js';
import type { EmbedOptions, EmbeddingModel, EmbeddingVector, Embeddings } from '../spec/embedding-model.js';
import type { EmbeddingInput, EmbeddingRequest } from '../spec/embedding-request.js';
import type { LanguageModelCallOptions } from '../spec/language-model.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Attempt, Trace } from '../spec/trace.js';
import type { Usage } from '../spec/usage.js';
import { tokenCounter } from '../tokens/token-counter.js';
import { toCancellation, type Cancellation } from '../util/cancellation.js';
import { fitEmbeddingPlan } from './fit-embedding-plan.js';
import type { CallContext } from './gateway.js';
import { promptRecord } from './prompt-record.js';
import { TraceBuilder } from './trace-builder.js';
import { routeAdmitted } from './route-admitted.js';

export type EmbedOutcome = { traceId: string; decision: Decision; rateLimit?: RateLimitSnapshot | undefined } & (
  | { type: 'embeddings'; trace: Trace; model: ModelSpec; vectors: EmbeddingVector[]; usage: Usage }
  | { type: 'error'; trace: Trace; error: SwitchyardError }
);

type Failure = { type: 'error'; trace: Trace; error: SwitchyardError };

/** What the embeddings path uses of the gateway: its routing, models, executor and trace recording. */
export type EmbeddingGateway = {
  config: ResolvedConfig;
  routing: Routing;
  embeddingModels: ReadonlyMap<string, EmbeddingModel>;
  /** Virtual keys' allow lists, rate limits and budgets, as for chat requests. */
  governor: KeyGovernor | undefined;
  executionContext(cancellation: Cancellation, startedAt: number): ExecutionContext;
  record(trace: Trace): Trace;
  /** The answer when no candidate is left: 400 when the request ruled them out, 503 when the gateway's state did. */
  noModel(builder: TraceBuilder, decision: Decision, attempts: Attempt[], request: ChatRequest): Failure;
  failed(builder: TraceBuilder, error: SwitchyardError, attempts: Attempt[], skipped?: FilteredCandidate[]): Failure;
  /** The error to report: a shutdown that cut the call, rather than the abort it caused. */
  stoppedBy(cancellation: Cancellation, error: SwitchyardError): SwitchyardError;
};

/**
 * Routes an embeddings request like a chat request (a model name, an alias, or a router and its
 * policy, such as `fallback` or `loadbalance`), keeps the embedding models that fit it, and calls them
 * through the executor (retries, breakers, failover), with usage, cost and a trace. Throws (before
 * any trace exists) only for an unknown model or router, or an invalid routing hint.
 */
export async function embed(gateway: EmbeddingGateway, request: EmbeddingRequest, context: CallContext): Promise<EmbedOutcome> {
  const arrived = performance.now();
  const cancellation = toCancellation(context.signal);
  const routingRequest = toRoutingRequest(request);
  // A key's limits and budgets count embeddings as they count chat: admitted here, settled with the trace.
  const { admission, routed } = await routeAdmitted(gateway.governor, gateway.routing, routingRequest, context, cancellation, false);
  const steps = routed.steps;
  const fitted = fitEmbeddingPlan(steps[0]?.specs ?? [], request, gateway.embeddingModels);
  const kept = new Set(fitted.specs.map((spec) => spec.name));
  const decision: Decision = {
    ...routed.decision,
    candidates: routed.decision.candidates.filter((candidate) => kept.has(candidate.model)),
    filtered: [...routed.decision.filtered, ...fitted.filtered],
  };
  // The router's reference prices the same usage only when it is an embedding model too.
  const reference = routed.reference?.embedding ? routed.reference : undefined;
  const builder = new TraceBuilder(request.model, promptRecord(routingRequest, gateway.config.storage.storePrompts), false, decision, gateway.config.models, reference, context.traceContext, traceCallerOf(context.caller));
  if (admission) builder.onFinish = (trace) => admission.settle(trace);
  const base = { traceId: builder.id, decision, rateLimit: admission?.rateLimit };
  if (decision.block) {
    const trace = gateway.record(builder.finish({ status: 'blocked', model: undefined, attempts: routed.attempts }));
    const where = `route "${decision.route}" of router "${decision.router}"`;
    return { ...base, type: 'error', trace, error: new InvalidRequestError(`The ${where} blocks this request: ${decision.block.message}`, { code: 'request_blocked' }) };
  }
  if (steps.length > 1) {
    const where = `route "${decision.route}" of router "${decision.router}"`;
    const error = new InvalidRequestError(`The ${where} uses the \`${decision.policy}\` policy, which cannot serve embeddings: use a model, \`fallback\` or \`loadbalance\`.`, {
      param: 'model',
      code: 'unsupported_request',
    });
    return { ...base, ...gateway.failed(builder, error, routed.attempts) };
  }
  if (fitted.specs.length === 0) return { ...base, ...gateway.noModel(builder, decision, routed.attempts, routingRequest) };
  const overBudget = admission === undefined ? undefined : await admission.reserve([{ specs: fitted.specs }], routingRequest);
  if (overBudget) return { ...base, ...gateway.failed(builder, overBudget, routed.attempts) };

  const { dimensions } = fitted;
  const call = await executeCall(fitted.specs, gateway.executionContext(cancellation, arrived), { failoverOnContentFilter: false }, async (spec, options) => {
    const model = gateway.embeddingModels.get(spec.name) as EmbeddingModel;
    const embedded = await embedOnce(model, request, embedOptions(options, request));
    checkVectors(embedded, request.input, spec, dimensions);
    return { value: embedded.vectors, usage: embedded.usage ?? (await countedUsage(request.input)) };
  });
  if (routed.attempts.length > 0) call.attempts.unshift(...routed.attempts);
  if (!call.ok) return { ...base, ...gateway.failed(builder, gateway.stoppedBy(cancellation, call.error), call.attempts, call.skipped) };
  routed.served?.(call.spec);
  const trace = gateway.record(builder.finish({ status: 'ok', model: call.spec, attempts: call.attempts, skipped: call.skipped }));
  // The answering attempt always has usage: the upstream's, or counted.
  return { ...base, type: 'embeddings', trace, model: call.spec, vectors: call.value, usage: trace.usage as Usage };
}

/**
 * The request routing sees: one user message with the texts, one per line, so rules (keywords,
 * regexes, examples) can route embeddings as they route chat; token ids give it no text.
 */
function toRoutingRequest(request: EmbeddingRequest): ChatRequest {
  const text = request.input.type === 'text' ? request.input.texts.join('\n') : '';
  return createChatRequest(request.model, text, { embedding: true });
}

function embedOnce(model: EmbeddingModel, request: EmbeddingRequest, options: EmbedOptions): Promise<Embeddings> {
  const { input } = request;
  if (input.type === 'text') return model.doEmbed(input.texts, options);
  // fitEmbeddingPlan keeps only models that take token ids when that is the input.
  if (!model.doEmbedTokens) throw new InternalError(`"${model.name}" cannot embed token ids, and was called with them`);
  return model.doEmbedTokens(input.tokens, options);
}

/** The executor's options with the request's; `signal` stays lazy (an AbortSignal is made only if the provider asks). */
function embedOptions(options: LanguageModelCallOptions, request: EmbeddingRequest): EmbedOptions {
  return new EmbedCallOptions(options, request);
}

/**
 * A class, its `signal` getter on the prototype: an object literal with a getter is one V8 (Node 20)
 * keeps past young collections with all it reaches (see execution/attempt-deadline.ts).
 */
class EmbedCallOptions implements EmbedOptions {
  readonly cancellation: LanguageModelCallOptions['cancellation'];
  readonly dimensions?: number;
  readonly user?: string;

  constructor(
    private readonly call: LanguageModelCallOptions,
    request: EmbeddingRequest,
  ) {
    this.cancellation = call.cancellation;
    if (request.dimensions !== undefined) this.dimensions = request.dimensions;
    if (request.user !== undefined) this.user = request.user;
  }

  get signal(): AbortSignal {
    return this.call.signal;
  }
}

/** An answer with a vector missing or of another length than promised is not one: the next attempt may do better. */
function checkVectors(embedded: Embeddings, input: EmbeddingInput, spec: ModelSpec, dimensions: number | undefined): void {
  const expected = input.type === 'text' ? input.texts.length : input.tokens.length;
  const source = { provider: spec.provider, model: spec.name };
  if (embedded.vectors.length !== expected) throw new ProviderProtocolError(source, `upstream embeddings answer has ${embedded.vectors.length} vectors for ${expected} inputs`);
  const wrong = embedded.vectors.find((vector) => vector.length !== dimensions);
  if (wrong) {
    throw new ProviderProtocolError(
      source,
      `upstream embeddings answer has vectors of ${wrong.length} dimensions, not ${dimensions}; if that is the model's length, set \`embedding: { dimensions: ${wrong.length} }\` on "${spec.name}"`,
    );
  }
}

/** Usage the gateway counts when the upstream reports none: the inputs' tokens (o200k), marked estimated. */
async function countedUsage(input: EmbeddingInput): Promise<Usage> {
  let inputTokens = 0;
  if (input.type === 'tokens') for (const tokens of input.tokens) inputTokens += tokens.length;
  else inputTokens = (await tokenCounter.count(input.texts)).tokens;
  return { inputTokens, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 0, reasoningTokens: undefined, estimated: true };
}
