import { hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Who a stored response belongs to: a digest of the gateway key the caller presented (as the key
 * check reads it), so one caller never reads another's conversation; undefined when the gateway
 * takes requests without a key. The key itself is never stored.
 */
export function responseOwner(headers: IncomingHttpHeaders, keysRequired: boolean): string | undefined {
  if (!keysRequired) return undefined;
  const authorization = headers['authorization'];
  const bearer = typeof authorization === 'string' && /^bearer\s+/i.test(authorization) ? authorization.replace(/^bearer\s+/i, '').trim() : undefined;
  const apiKey = headers['x-api-key'];
  const presented = bearer ?? (typeof apiKey === 'string' ? apiKey.trim() : undefined);
  return presented === undefined ? undefined : hash('sha256', `switchyard-response-owner:${presented}`, 'hex');
}
