import { ProviderProtocolError, type ProviderErrorSource } from '../../errors/provider-errors.js';
import type { Moderation } from '../../spec/moderation-model.js';
import { isRecord } from '../../util/json-guards.js';

/**
 * A `/moderations` answer (`{ results: [{ flagged, categories, category_scores }] }`, one result
 * per input), merged into one: flagged for a category when any input was, at its highest score.
 * An answer without a result per input, or with a flag or score that is not a boolean or a number,
 * is not a moderation: a guard must not read a missing flag as "not flagged". A `null` flag is a
 * category the model does not assess, and is left out.
 */
export function readModeration(json: unknown, inputs: number, source: ProviderErrorSource): Moderation {
  const fail = (why: string): never => {
    throw new ProviderProtocolError(source, `upstream moderations answer ${why}`);
  };
  const results = isRecord(json) ? json['results'] : undefined;
  if (!Array.isArray(results)) return fail('has no `results` array');
  if (results.length !== inputs) return fail(`has ${results.length} results for ${inputs} inputs`);
  let flagged = false;
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  results.forEach((result: unknown, index) => {
    if (!isRecord(result) || typeof result['flagged'] !== 'boolean') return fail(`result ${index} has no boolean \`flagged\``);
    flagged ||= result['flagged'];
    const flags = result['categories'];
    if (!isRecord(flags)) return fail(`result ${index} has no \`categories\` object`);
    for (const [name, value] of Object.entries(flags)) {
      // `null`: a category this model does not assess (text-moderation-* and `illicit`).
      if (value === null) continue;
      if (typeof value !== 'boolean') return fail(`result ${index} has a category "${name}" that is not a boolean`);
      categories[name] = (categories[name] ?? false) || value;
    }
    const raw = result['category_scores'];
    if (!isRecord(raw)) return fail(`result ${index} has no \`category_scores\` object`);
    for (const [name, value] of Object.entries(raw)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`result ${index} has a score for "${name}" that is not a number`);
      scores[name] = Math.max(scores[name] ?? 0, value);
    }
  });
  return { flagged, categories, scores, usage: undefined };
}
