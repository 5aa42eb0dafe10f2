import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticationError } from '../errors/request-errors.js';
import type { CachedKeyLookup } from '../keys/cached-key-lookup.js';
import type { Caller } from '../keys/caller.js';
import type { ServerConfig } from '../config/resolved-config.js';
import { keysRequired } from './keys-required.js';

const STATIC_CALLER: Caller = { kind: 'static' };
const ADMIN_CALLER: Caller = { kind: 'admin' };

// One-shot hashing: a third of createHash's cost per request.
const digest = (key: string): Buffer => hash('sha256', key, 'buffer');

/** Checks a request's key and says whose it is; throws when it is none of the gateway's keys. */
export type ApiKeyCheck = (headers: IncomingHttpHeaders) => Caller;

/**
 * Checks the gateway key (`Authorization: Bearer` as the OpenAI SDKs send it, or `x-api-key` as
 * the Anthropic SDKs do). Static and admin keys are compared as SHA-256 digests in constant time,
 * every one of them, so neither a key, its length nor which list holds it leaks through timing;
 * any other key is looked up among the active virtual keys by its hash (`virtualKeys`, cached for a
 * few seconds). Undefined when the gateway has no key at all (it is open).
 */
export function createApiKeyCheck(server: Pick<ServerConfig, 'apiKeys' | 'adminKeys'>, virtualKeys?: CachedKeyLookup): ApiKeyCheck | undefined {
  if (!keysRequired(server) && virtualKeys === undefined) return undefined;
  const known = [...server.apiKeys.map((key) => ({ digest: digest(key), caller: STATIC_CALLER })), ...server.adminKeys.map((key) => ({ digest: digest(key), caller: ADMIN_CALLER }))];
  return (headers) => {
    const presented = presentedKey(headers);
    if (presented === undefined || presented === '') {
      throw new AuthenticationError('Missing API key: send the gateway key as "Authorization: Bearer <key>" or "x-api-key: <key>".');
    }
    const candidate = digest(presented);
    let matched: Caller | undefined;
    for (const entry of known) if (timingSafeEqual(candidate, entry.digest)) matched = entry.caller;
    if (matched !== undefined) return matched;
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
