import type { ModelSpec } from '../../../spec/model-spec.js';
import type { CompiledPolicy } from '../policy-definition.js';
import { blendedPrice } from './compile-predicted-policy.js';

/** Prices as the Decision shows them: USD per 1M tokens, 4 decimals. */
const shown = (price: number): number => Math.round(price * 10_000) / 10_000;

/**
 * `cheapest_above` with a prompt cache in the picture: the model holding the conversation is priced
 * with the share of the prompt it holds at its cache-read price, the policy's own choice at full
 * price, and the holder keeps the conversation when it clears `min_quality` and is not dearer.
 */
export function weighHeldModel(models: ReadonlyMap<string, ModelSpec>): NonNullable<CompiledPolicy['weighHeld']> {
  return (choice, held) => {
    const prediction = choice.shows?.prediction;
    const holder = models.get(held.model);
    if (prediction?.policy !== 'cheapest_above' || !holder || !(held.model in prediction.predicted)) return undefined;
    const chosen = models.get(prediction.chosen) as ModelSpec;
    const cachedInput = holder.price.cachedInput ?? holder.price.input;
    const holderInput = held.cachedShare * cachedInput + (1 - held.cachedShare) * holder.price.input;
    const prices = { [held.model]: shown((3 * holderInput + holder.price.output) / 4), [chosen.name]: shown(blendedPrice(chosen)) };
    const clears = (prediction.predicted[held.model] as number) >= prediction.minQuality || held.model === prediction.chosen;
    return { keep: clears && (prices[held.model] as number) <= (prices[chosen.name] as number), prices };
  };
}
