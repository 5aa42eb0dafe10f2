import { hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { presentedKey } from '../check-api-key.js';

/**
 * Who a stored response belongs to: a digest of the gateway key the caller presented (as the key
 * check reads it), so one caller never reads another's conversation; undefined when the gateway
 * takes requests without a key. The key itself is never stored.
 */
export function responseOwner(headers: IncomingHttpHeaders, keysRequired: boolean): string | undefined {
  if (!keysRequired) return undefined;
  const presented = presentedKey(headers);
  return presented === undefined ? undefined : hash('sha256', `switchyard-response-owner:${presented}`, 'hex');
}
