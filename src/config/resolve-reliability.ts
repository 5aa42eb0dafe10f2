import { DEFAULT_RELIABILITY, type ReliabilityOverrides, type ReliabilitySettings } from '../spec/reliability.js';
import type { ReliabilityInput } from './config-schema.js';

/** snake_case YAML → camelCase overrides, dropping the fields that were not given. */
export function toReliabilityOverrides(input: ReliabilityInput): ReliabilityOverrides {
  return {
    retry: defined({
      maxAttempts: input.retry?.max_attempts,
      initialDelayMs: input.retry?.initial_delay_ms,
      maxDelayMs: input.retry?.max_delay_ms,
      maxRetryAfterMs: input.retry?.max_retry_after_ms,
    }),
    timeout: defined({
      connectMs: input.timeout?.connect_ms,
      firstTokenMs: input.timeout?.first_token_ms,
      totalMs: input.timeout?.total_ms,
      requestMs: input.timeout?.request_ms,
    }),
    circuitBreaker: defined({
      consecutiveFailures: input.circuit_breaker?.consecutive_failures,
      errorRate: input.circuit_breaker?.error_rate,
      windowMs: input.circuit_breaker?.window_ms,
      minRequests: input.circuit_breaker?.min_requests,
      cooldownMs: input.circuit_breaker?.cooldown_ms,
    }),
  };
}

/** The defaults, overridden field by field by each layer in turn (provider, then model). */
export function resolveReliability(...layers: ReliabilityOverrides[]): ReliabilitySettings {
  const out: ReliabilitySettings = {
    retry: { ...DEFAULT_RELIABILITY.retry },
    timeout: { ...DEFAULT_RELIABILITY.timeout },
    circuitBreaker: { ...DEFAULT_RELIABILITY.circuitBreaker },
  };
  for (const layer of layers) {
    Object.assign(out.retry, layer.retry);
    Object.assign(out.timeout, layer.timeout);
    Object.assign(out.circuitBreaker, layer.circuitBreaker);
  }
  return out;
}

function defined<T extends Record<string, number | undefined>>(fields: T): Partial<{ [K in keyof T]: number }> {
  const out: Partial<Record<keyof T, number>> = {};
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined) out[key] = value;
  }
  return out as Partial<{ [K in keyof T]: number }>;
}
