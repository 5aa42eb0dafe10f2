import type { ChatRequest } from '../spec/chat-request.js';
import type { Step } from '../spec/step.js';
import { promptTokenBounds } from '../tokens/estimate-usage.js';

/** The output a request may produce when it sets no `max_tokens` and its model states no maximum. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;

/**
 * The most a request can cost along its plan, in whole micro-dollars (rounded up): for each step,
 * its dearest model (one model of a step answers; the others are its fallbacks), summed over the
 * steps (a cascade may call every step, a parallel policy calls every branch). A model's cost is the
 * prompt at the input price plus the output cap at the output price. The prompt is counted from the
 * UTF-8 bytes of its texts (`promptTokenBounds().upper`): a token is at least one byte, so this is
 * an upper bound of the tokenizer's count, with no tokenizing on the request path. The output cap is
 * the request's `max_completion_tokens` / `max_tokens` (Anthropic's `max_tokens` lands there too),
 * else the model's maximum output, else DEFAULT_MAX_OUTPUT_TOKENS. `undefined` with no model.
 */
export function worstCaseMicros(steps: readonly Step[], request: ChatRequest): number | undefined {
  if (steps.every((step) => step.specs.length === 0)) return undefined;
  const promptTokens = promptTokenBounds(request).upper;
  let total = 0;
  for (const step of steps) {
    let worst = 0;
    for (const spec of step.specs) {
      const outputTokens = request.maxOutputTokens ?? spec.maxOutput ?? DEFAULT_MAX_OUTPUT_TOKENS;
      // Prices are USD per 1M tokens: tokens × price is micro-dollars.
      worst = Math.max(worst, promptTokens * spec.price.input + outputTokens * spec.price.output);
    }
    total += worst;
  }
  return Math.ceil(total);
}

/** USD as whole micro-dollars, the unit budgets count in (so sums are exact). */
export function toMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}
