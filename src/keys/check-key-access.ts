import { ForbiddenError } from '../errors/request-errors.js';
import { quoteInput } from '../util/quote-input.js';
import type { VirtualKey } from './virtual-key.js';

/** A key's guard policy at one request: whether it must go through a guard, and the routers that have one. */
export type GuardPolicy = { required: boolean; guardedRouters: ReadonlySet<string> };

/**
 * Refuses a request of `key` for `model` (the name as sent) outside its allow lists. A key with
 * neither list may ask for anything; a key with one or both is confined to the names they hold,
 * so a key limited to `routers: [auto]` may not name a concrete model and skip its router.
 * A key whose policy requires a guard may only name a router that has one: not a concrete model
 * or alias, which would skip it.
 */
export function checkKeyAccess(key: VirtualKey, model: string, guard?: GuardPolicy): void {
  const { routers, models } = key;
  if ((routers !== undefined || models !== undefined) && !routers?.includes(model) && !models?.includes(model)) {
    throw new ForbiddenError(`This key may use ${listed('router', routers)} and ${listed('concrete model', models)}; it asked for ${quoteInput(model)}.`, 'model_not_allowed');
  }
  if (guard?.required !== true || guard.guardedRouters.has(model)) return;
  // Only the guarded routers this key may use: naming others would invite a second refusal.
  const usable = [...guard.guardedRouters].filter((name) => routers?.includes(name) ?? models === undefined);
  const choice = usable.length === 0 ? 'none is available to it' : `use a router with one (${usable.join(', ')})`;
  throw new ForbiddenError(`This key must go through a safety guard: ${choice}; ${quoteInput(model)} has none.`, 'model_not_allowed');
}

function listed(noun: string, names: readonly string[] | undefined): string {
  if (names === undefined || names.length === 0) return `no ${noun}`;
  return `the ${noun}${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
}
