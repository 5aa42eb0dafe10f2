import type { ModelPrice } from '../spec/model-spec.js';
import type { Usage } from '../spec/usage.js';

/**
 * USD for a usage at a price (per 1M tokens). Cache reads and writes are billed at their own
 * prices when the model has them. Undefined when the input or output count is unknown: a cost
 * made up from a missing count would be wrong without saying so.
 */
export function computeCost(usage: Usage | undefined, price: ModelPrice): number | undefined {
  if (usage === undefined || usage.inputTokens === undefined || usage.outputTokens === undefined) return undefined;
  // The cache counts are subsets of the input; a provider that reports none cached none.
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteTokens ?? 0;
  const writtenForAnHour = Math.min(written, usage.cacheWrite1hTokens ?? 0);
  const regular = Math.max(0, usage.inputTokens - cached - written);
  const writePrice = price.cacheWrite ?? price.input;
  const micros =
    regular * price.input +
    cached * (price.cachedInput ?? price.input) +
    (written - writtenForAnHour) * writePrice +
    writtenForAnHour * (price.cacheWrite1h ?? writePrice) +
    usage.outputTokens * price.output;
  return micros / 1_000_000;
}

/** A cost as a plain decimal string (no exponent), as sent in `x-switchyard-cost-usd`. */
export function formatCost(cost: number): string {
  const fixed = cost.toFixed(12);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}
