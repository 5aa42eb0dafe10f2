import { z } from 'zod';
import { NonEmptyString, PositiveMilliseconds } from '../util/schema-parts.js';

/**
 * A router's `guard`: a safety check before routing. `type: llama_guard` (the default): a Llama
 * Guard chat model reads the conversation, and `categories` are its codes (S1..S14).
 * `type: moderation`: a moderation endpoint (OpenAI's `/v1/moderations`) scores the user's turns,
 * `categories` are its category names (`violence`, `self-harm/intent`), and `threshold` (0..1),
 * when set, replaces the endpoint's own flags with "score at least this". `on_unsafe` blocks (with
 * `block_message`) or takes a route of the router; `fail` is what a guard that times out or gives
 * no verdict does. The categories are checked against the type's list in `resolve-guard.ts`.
 */
export const GuardSchema = z.strictObject({
  type: z.enum(['llama_guard', 'moderation']).default('llama_guard'),
  model: NonEmptyString,
  on_unsafe: z.union([z.literal('block'), z.strictObject({ route: NonEmptyString })], { error: 'expected `block` or { route: ROUTE }' }),
  block_message: NonEmptyString.default('This request was blocked by the safety check.'),
  categories: z
    .array(NonEmptyString)
    .min(1, { error: 'expected at least one category that counts as unsafe, e.g. [S1, S2] (llama_guard) or [violence, self-harm/intent] (moderation)' }),
  threshold: z.number().gt(0, { error: 'expected a score above 0 and at most 1' }).max(1, { error: 'expected a score above 0 and at most 1' }).optional(),
  timeout_ms: PositiveMilliseconds.default(2_000),
  fail: z.enum(['open', 'closed']),
});
