import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticationError } from '../errors/request-errors.js';
import type { CachedKeyLookup } from '../keys/cached-key-lookup.js';
import type { Caller } from '../keys/caller.js';

const STATIC_CALLER: Caller = { kind: 'static' };

// One-shot hashing: a third of createHash's cost per request.
const digest = (key: string): Buffer => hash('sha256', key, 'buffer');

/** Checks a request's key and says whose it is; throws when it is none of the gateway's keys. */
export type ApiKeyCheck = (headers: IncomingHttpHeaders) => Caller;

/**
 * Checks the gateway key (`Authorization: Bearer` as the OpenAI SDKs send it, or `x-api-key` as
 * the Anthropic SDKs do). Static keys are compared as SHA-256 digests in constant time, so neither
 * the key nor its length leaks through timing; any other key is looked up among the active
 * virtual keys by its hash (`virtualKeys`, cached for a few seconds).
 */
export function createApiKeyCheck(keys: readonly string[], virtualKeys?: CachedKeyLookup): ApiKeyCheck | undefined {
  if (keys.length === 0 && virtualKeys === undefined) return undefined;
  const digests = keys.map(digest);
  return (headers) => {
    const presented = presentedKey(headers);
    if (presented === undefined || presented === '') {
      throw new AuthenticationError('Missing API key: send the gateway key as "Authorization: Bearer <key>" or "x-api-key: <key>".');
    }
    const candidate = digest(presented);
    let valid = false;
    for (const known of digests) valid = timingSafeEqual(candidate, known) || valid;
    if (valid) return STATIC_CALLER;
    const virtualKey = virtualKeys?.lookup(presented);
    if (virtualKey === undefined) throw new AuthenticationError('Invalid API key.');
    return { kind: 'key', key: virtualKey };
  };
}

/** The key a client presented: `Authorization: Bearer` (OpenAI SDKs), else `x-api-key` (Anthropic SDKs). */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers['authorization'];
  const bearer = typeof authorization === 'string' && /^bearer\s+/i.test(authorization) ? authorization.replace(/^bearer\s+/i, '').trim() : undefined;
  const apiKey = headers['x-api-key'];
  return bearer ?? (typeof apiKey === 'string' ? apiKey.trim() : undefined);
}
