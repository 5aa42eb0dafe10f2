import { ForbiddenError } from '../errors/request-errors.js';
import { quoteInput } from '../util/quote-input.js';
import type { VirtualKey } from './virtual-key.js';

/**
 * Refuses a request of `key` for `model` (the name as sent) outside its allow lists. A key with
 * neither list may ask for anything; a key with one or both is confined to the names they hold,
 * so a key limited to `routers: [auto]` may not name a concrete model and skip its router.
 */
export function checkKeyAccess(key: VirtualKey, model: string): void {
  const { routers, models } = key;
  if (routers === undefined && models === undefined) return;
  if (routers?.includes(model) || models?.includes(model)) return;
  throw new ForbiddenError(`This key may use ${listed('router', routers)} and ${listed('concrete model', models)}; it asked for ${quoteInput(model)}.`, 'model_not_allowed');
}

function listed(noun: string, names: readonly string[] | undefined): string {
  if (names === undefined || names.length === 0) return `no ${noun}`;
  return `the ${noun}${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
}
