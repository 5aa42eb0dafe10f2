import type { ChatRequest } from '../spec/chat-request.js';
import type { DeploymentLimits, ModelSpec } from '../spec/model-spec.js';
import { approximatePromptTokens } from '../tokens/estimate-usage.js';

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

type Entry = { at: number; tokens: number; expired: boolean; settled: boolean };

/**
 * One deployment's `limits` as a sliding log of the calls of the last minute: exact, since every
 * call admitted is an entry that leaves the window 60 s after it was admitted. Tokens are counted
 * at admission as the prompt's estimate plus the output it may write, and replaced by the real
 * usage when the call ends (never counted twice: an entry already out of the window stays out).
 * `admit` checks and reserves in one synchronous step, so calls of one process cannot overshoot.
 */
export class DeploymentQuota {
  private entries: Entry[] = [];
  private head = 0;
  private tokens = 0;

  constructor(
    readonly limits: DeploymentLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** What is in the way of a call needing `tokens`, or undefined when it fits now. */
  wait(tokens: number): QuotaWait | undefined {
    const now = this.now();
    this.expire(now);
    const { rpm, tpm } = this.limits;
    const requests = this.entries.length - this.head;
    if (rpm !== undefined && requests >= rpm) {
      const until = (this.entries[this.head + requests - rpm] as Entry).at + QUOTA_WINDOW_MS;
      return { limit: 'rpm', until, afterMs: until - now, detail: `its limit of ${rpm} requests per minute (limits.rpm) is reached; it frees at ${new Date(until).toISOString()}` };
    }
    if (tpm === undefined) return undefined;
    // A call estimated over the whole limit waits for an empty window: the provider has the last word on it.
    const need = Math.min(tokens, tpm);
    if (this.tokens + need <= tpm) return undefined;
    let left = this.tokens;
    let until = now;
    for (let index = this.head; index < this.entries.length && left + need > tpm; index++) {
      const entry = this.entries[index] as Entry;
      left -= entry.tokens;
      until = entry.at + QUOTA_WINDOW_MS;
    }
    const detail = `~${tokens} tokens for this request on top of ${this.tokens} in the last minute exceed its limit of ${tpm} tokens per minute (limits.tpm); room frees at ${new Date(until).toISOString()}`;
    return { limit: 'tpm', until, afterMs: until - now, detail };
  }

  /** Reserves a call needing `tokens` when it fits now; else nothing is reserved and `wait` says what is in the way. */
  admit(tokens: number): { ok: true; reservation: QuotaReservation } | { ok: false; wait: QuotaWait } {
    const wait = this.wait(tokens);
    if (wait !== undefined) return { ok: false, wait };
    const entry: Entry = { at: this.now(), tokens: Math.min(tokens, this.limits.tpm ?? tokens), expired: false, settled: false };
    this.entries.push(entry);
    this.tokens += entry.tokens;
    return { ok: true, reservation: { settle: (used) => this.settle(entry, used) } };
  }

  /** Tokens counted in the last minute (for tests and the dashboard). */
  used(): { requests: number; tokens: number } {
    this.expire(this.now());
    return { requests: this.entries.length - this.head, tokens: this.tokens };
  }

  private settle(entry: Entry, used: number | undefined): void {
    if (entry.settled) return;
    entry.settled = true;
    if (used === undefined || entry.expired) return;
    this.tokens += used - entry.tokens;
    entry.tokens = used;
  }

  private expire(now: number): void {
    while (this.head < this.entries.length && (this.entries[this.head] as Entry).at <= now - QUOTA_WINDOW_MS) {
      const entry = this.entries[this.head] as Entry;
      entry.expired = true;
      this.tokens -= entry.tokens;
      this.head++;
    }
    // Drop the expired prefix once it is half the log: amortized O(1) per call.
    if (this.head > 64 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
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
