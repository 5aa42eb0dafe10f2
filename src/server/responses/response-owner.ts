import { hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../../keys/caller.js';
import { presentedKey } from '../check-api-key.js';

/**
 * Who a stored response belongs to, so one caller never reads another's conversation: a virtual
 * key's id (a rotated key keeps its conversations; the id is not a secret), else a digest of the
 * static or admin key the caller presented (as the key check reads it); undefined when the gateway
 * takes requests without a key. A key itself is never stored.
 */
export function responseOwner(caller: Caller, headers: IncomingHttpHeaders): string | undefined {
  if (caller.kind === 'open') return undefined;
  if (caller.kind === 'key') return `key:${caller.key.id}`;
  const presented = presentedKey(headers);
  return presented === undefined ? undefined : hash('sha256', `switchyard-response-owner:${presented}`, 'hex');
}
