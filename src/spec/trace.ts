import type { ErrorKind } from '../errors/switchyard-error.js';
import type { ChatMessage } from './chat-request.js';
import type { Decision, FilteredCandidate } from './decision.js';
import type { Usage } from './usage.js';

export type AttemptError = {
  kind: ErrorKind;
  message: string;
  retryable: boolean;
  /** Upstream HTTP status, when there was one. */
  status?: number;
};

/**
 * Why a model was called: to answer the request, or for routing (`classifier`, `embedding`), or
 * to grade answers (`judge`). Every call is billed, so every call is an Attempt.
 */
export type AttemptRole = 'answer' | 'classifier' | 'embedding' | 'judge' | 'guard';

export type CheckName = 'json_schema' | 'regex' | 'refusal' | 'min_length' | 'judge' | 'logprobs';

/** One check of an answer (a cascade step, a parallel branch). */
export type CheckResult = {
  check: CheckName;
  passed: boolean;
  /** judge: the grade (0..1); logprobs: the mean token probability. */
  score?: number;
  detail?: string;
};

/** One call to one model. */
export type Attempt = {
  model: string;
  provider: string;
  role: AttemptRole;
  /** `cascade`: the step (0 = cheapest); `parallel`: the branch. */
  step?: number;
  /** 0 for the first call to this model in the request, n for its n-th retry. */
  retry: number;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Milliseconds from the start of the attempt to its first content part (streams only). */
  firstTokenMs: number | undefined;
  durationMs: number;
  /**
   * `refused`: the model answered with a content-policy refusal and the route moved on
   * (failover_on_content_filter). `rejected`: the answer failed a cascade or parallel check.
   * `cancelled`: a parallel branch stopped because another was picked.
   */
  outcome: 'ok' | 'error' | 'refused' | 'rejected' | 'cancelled';
  error: AttemptError | undefined;
  usage: Usage | undefined;
  /** What this call cost; undefined when usage or price is unknown. Set when the trace is built. */
  costUsd?: number | undefined;
  /** The checks its answer went through (cascade steps, parallel branches). */
  checks?: CheckResult[];
  /** Parallel: this branch's answer is the one the client got. */
  picked?: boolean;
  /** What the provider dropped from the request because this model or wire format cannot carry it (a cache hint, a thinking signature for another vendor). */
  warnings?: string[];
};

/** `aborted`: the client went away; `shutdown`: the gateway stopped before the request finished (its shutdown grace ran out). */
export type TraceStatus = 'ok' | 'blocked' | 'error' | 'aborted' | 'shutdown';

/** The caller's W3C trace context, as its headers carried it. */
export type TraceContext = { traceparent: string; tracestate?: string };

/** The virtual key a request came with: its id, name and team, never its secret. */
export type TraceCaller = { keyId: string; keyName: string; team?: string };

/** What a trace keeps of the prompt: a preview and a hash of the last user message, and the messages only if configured. */
export type PromptRecord = {
  /** The first characters of the last user message. */
  preview: string;
  /** sha256 (hex) of the last user message: finds repeats without keeping the text. */
  sha256: string;
  /** The client's messages, when `storage.store_prompts` is on. */
  messages?: ChatMessage[];
};

/** Everything about one request, minus secrets and (by default) the prompt. */
export type Trace = {
  id: string;
  startedAt: number;
  requested: string;
  prompt: PromptRecord;
  router: string | null;
  route: string | null;
  /** Catalog name of the model that served; null if none did. */
  model: string | null;
  stream: boolean;
  decision: Decision;
  attempts: Attempt[];
  /** Candidates of the plan passed over while executing (a circuit opened meanwhile, a context-length error ruled them out). */
  skipped: FilteredCandidate[];
  /** What a multi-model policy decided along the way: an escalation and why, a judge that failed. */
  notes: string[];
  usage: Usage | undefined;
  /** Every call of the request (classifier, cascade steps, judges, ...); undefined when usage or price is unknown. */
  costUsd: number | undefined;
  /** What the router's reference model would have cost for the same usage. */
  referenceCostUsd: number | undefined;
  savingsUsd: number | undefined;
  status: TraceStatus;
  error: AttemptError | undefined;
  latencyMs: number;
  firstTokenMs: number | undefined;
  /** Set when the request came with a virtual key (not for a static or admin key, nor without a key). */
  caller?: TraceCaller;
  /** Set when the caller sent a `traceparent`: the request's OpenTelemetry spans continue that trace. */
  traceContext?: TraceContext;
};
