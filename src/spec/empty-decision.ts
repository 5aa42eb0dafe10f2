import type { Decision } from './decision.js';

/** A Decision with nothing decided yet: the fields a caller does not set are empty, all in the documented order. */
export function emptyDecision({ requested, ...fields }: Partial<Decision> & Pick<Decision, 'requested'>): Decision {
  return {
    requested,
    router: null,
    route: null,
    signals: [],
    policy: 'direct',
    prediction: null,
    classification: null,
    similarity: null,
    balance: null,
    candidates: [],
    filtered: [],
    block: null,
    system: null,
    reference: null,
    ...fields,
  };
}
