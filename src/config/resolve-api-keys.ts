import type { ValueIssue } from '../util/describe-zod-issues.js';
import type { UnsetVariable } from './interpolate-env.js';

const AUTH_NONE_HINT = 'or write `auth: none` under `server:` to run without gateway keys';

/**
 * The gateway keys in force. With `auth: api_keys` (the default) an entry that is empty, or that
 * names a variable that is not set, is an error: dropping it would leave the gateway open to anyone
 * while the config reads as protected. With `auth: none` such entries are dropped; keys that
 * remain are still required.
 */
export function resolveApiKeys(
  server: { auth: 'api_keys' | 'none'; api_keys: readonly string[] },
  unset: readonly UnsetVariable[],
  issues: ValueIssue[],
): string[] {
  const keys: string[] = [];
  server.api_keys.forEach((key, index) => {
    const missing = unset.filter((item) => item.path[0] === 'server' && item.path[1] === 'api_keys' && item.path[2] === index).map((item) => item.variable);
    if (missing.length === 0 && key.trim() !== '') {
      keys.push(key);
      return;
    }
    if (server.auth === 'none') return;
    const message =
      missing.length > 0
        ? `environment variable ${[...new Set(missing)].join(', ')} is not set, so this gateway key would be ${key.trim() === '' ? 'empty' : 'incomplete'}; expected a key: set the variable, ${AUTH_NONE_HINT}`
        : `expected a non-empty gateway key, found ${JSON.stringify(key)}; remove the entry, ${AUTH_NONE_HINT}`;
    issues.push({ path: ['server', 'api_keys', index], message });
  });
  return keys;
}
