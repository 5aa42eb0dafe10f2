import type { ChatRequest } from '../spec/chat-request.js';
import type { DeploymentLimits, ModelSpec } from '../spec/model-spec.js';
import { approximatePromptTokens } from '../tokens/estimate-usage.js';
import { SlidingWindowLog } from '../util/sliding-window-log.js';

/** The window providers count their per-minute limits over. */
export const QUOTA_WINDOW_MS = 60_000;

/**
 * Output tokens reserved for a request that sets no `max_tokens` (or less, when the model's maximum
 * output is smaller): what most answers stay under. Settling with the real usage corrects it.
 */
export const DEFAULT_RESERVED_OUTPUT_TOKENS = 1_024;

/** Which limit is in the way of a call, and when (epoch ms, and ms from now) enough of the window has passed for it to fit. */
export type QuotaWait = { limit: 'rpm' | 'tpm'; until: number; afterMs: number; detail: string };

/** One admitted call: hold it until the call ends, then settle it with the tokens it really used. */
export interface QuotaReservation {
  /** `tokens`: input plus output as billed; undefined (unknown, e.g. a failed call) keeps the estimate. Only the first settle counts. */
  settle(tokens: number | undefined): void;
}

/**
 * One deployment's `limits` over a sliding minute (`SlidingWindowLog`): exact, since every call
 * admitted is an entry that leaves the window 60 s after it was admitted. Tokens are counted at
 * admission as the prompt's estimate plus the output it may write, and replaced by the real usage
 * when the call ends. `admit` checks and reserves in one synchronous step, so calls of one process
 * cannot overshoot.
 */
export class DeploymentQuota {
  private readonly log = new SlidingWindowLog(QUOTA_WINDOW_MS);

  constructor(
    readonly limits: DeploymentLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** What is in the way of a call needing `tokens`, or undefined when it fits now. */
  wait(tokens: number): QuotaWait | undefined {
    const now = this.now();
    const { rpm, tpm } = this.limits;
    if (rpm !== undefined) {
      const until = this.log.requestRoomAt(rpm, now);
      if (until > now) return { limit: 'rpm', until, afterMs: until - now, detail: `its limit of ${rpm} requests per minute (limits.rpm) is reached; it frees at ${new Date(until).toISOString()}` };
    }
    if (tpm === undefined) return undefined;
    // A call estimated over the whole limit waits for an empty window: the provider has the last word on it.
    const need = Math.min(tokens, tpm);
    const used = this.log.tokens(now);
    if (used + need <= tpm) return undefined;
    const until = this.log.tokenRoomAt(need, tpm, now);
    const detail = `~${tokens} tokens for this request on top of ${used} in the last minute exceed its limit of ${tpm} tokens per minute (limits.tpm); room frees at ${new Date(until).toISOString()}`;
    return { limit: 'tpm', until, afterMs: until - now, detail };
  }

  /** Reserves a call needing `tokens` when it fits now; else nothing is reserved and `wait` says what is in the way. */
  admit(tokens: number): { ok: true; reservation: QuotaReservation } | { ok: false; wait: QuotaWait } {
    const wait = this.wait(tokens);
    if (wait !== undefined) return { ok: false, wait };
    const entry = this.log.add(this.now(), Math.min(tokens, this.limits.tpm ?? tokens));
    return { ok: true, reservation: { settle: (used) => this.log.settle(entry, used) } };
  }

  /** Tokens counted in the last minute (for tests and the dashboard). */
  used(): { requests: number; tokens: number } {
    const now = this.now();
    return { requests: this.log.requests(now), tokens: this.log.tokens(now) };
  }
}

/** What a request counts against `limits.tpm` at admission: its prompt, estimated from its length, plus the output it may write (an embedding writes none). */
export function quotaTokens(request: ChatRequest, spec: ModelSpec): number {
  if (request.embedding) return approximatePromptTokens(request);
  const output = request.maxOutputTokens ?? Math.min(DEFAULT_RESERVED_OUTPUT_TOKENS, spec.maxOutput ?? DEFAULT_RESERVED_OUTPUT_TOKENS);
  return approximatePromptTokens(request) + output;
}

/** The quota of every deployment with `limits`, built at startup; a deployment without is not in it. */
export class DeploymentQuotas {
  private readonly quotas = new Map<string, DeploymentQuota>();

  constructor(
    models: Iterable<ModelSpec>,
    now: () => number = Date.now,
    /** A quota to keep for a model (its window carries over a config reload); undefined: a new one. */
    inherit: (model: string, limits: DeploymentLimits) => DeploymentQuota | undefined = () => undefined,
  ) {
    for (const spec of models) if (spec.limits) this.quotas.set(spec.name, inherit(spec.name, spec.limits) ?? new DeploymentQuota(spec.limits, now));
  }

  get(model: string): DeploymentQuota | undefined {
    return this.quotas.get(model);
  }

  /** No deployment has `limits`: routing need not ask. */
  get empty(): boolean {
    return this.quotas.size === 0;
  }

  /** For routing: what keeps `spec` from taking `request` now; undefined when it has room or no limits. */
  wait(spec: ModelSpec, request: ChatRequest): QuotaWait | undefined {
    return this.quotas.get(spec.name)?.wait(quotaTokens(request, spec));
  }

  /** For a client refused because every deployment was at its quota: how long until the first frees. */
  retryAfterMs(specs: Iterable<ModelSpec>, request: ChatRequest): number | undefined {
    return soonestAfterMs(specs, (spec) => this.wait(spec, request));
  }
}

/** The shortest wait of `specs` that have one; undefined when none is waiting. */
export function soonestAfterMs(specs: Iterable<ModelSpec>, wait: (spec: ModelSpec) => QuotaWait | undefined): number | undefined {
  let soonest: number | undefined;
  for (const spec of specs) {
    const afterMs = wait(spec)?.afterMs;
    if (afterMs !== undefined) soonest = Math.min(soonest ?? afterMs, afterMs);
  }
  return soonest === undefined ? undefined : Math.max(0, soonest);
}
