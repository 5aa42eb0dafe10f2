import type { ValueIssue } from '../util/describe-zod-issues.js';
import type { UnsetVariable } from './interpolate-env.js';

const AUTH_NONE_HINT = 'or write `auth: none` under `server:` to run without gateway keys';

type KeyList = 'api_keys' | 'admin_keys';

/**
 * The gateway keys in force, client (`api_keys`) and admin (`admin_keys`). With `auth: api_keys`
 * (the default) an entry that is empty, or that names a variable that is not set, is an error:
 * dropping it would leave the gateway open to anyone while the config reads as protected. With
 * `auth: none` such entries are dropped; keys that remain are still required. A key in both lists
 * is an error: a client key must not open the admin API.
 */
export function resolveApiKeys(
  server: { auth: 'api_keys' | 'none'; api_keys: readonly string[]; admin_keys: readonly string[] },
  unset: readonly UnsetVariable[],
  issues: ValueIssue[],
): { apiKeys: string[]; adminKeys: string[] } {
  const apiKeys = keysOf('api_keys', server, unset, issues);
  const adminKeys = keysOf('admin_keys', server, unset, issues);
  for (const [adminIndex, key] of server.admin_keys.entries()) {
    if (!adminKeys.includes(key)) continue;
    const apiIndex = server.api_keys.indexOf(key);
    if (apiIndex < 0) continue;
    issues.push({
      path: ['server', 'admin_keys', adminIndex],
      message: `this admin key is also server.api_keys[${apiIndex}]; expected distinct keys: an admin key opens the admin API and every trace, so give clients another key`,
    });
  }
  return { apiKeys, adminKeys };
}

function keysOf(list: KeyList, server: { auth: 'api_keys' | 'none' } & Record<KeyList, readonly string[]>, unset: readonly UnsetVariable[], issues: ValueIssue[]): string[] {
  const keys: string[] = [];
  server[list].forEach((key, index) => {
    const missing = unset.filter((item) => item.path[0] === 'server' && item.path[1] === list && item.path[2] === index).map((item) => item.variable);
    if (missing.length === 0 && key.trim() !== '') {
      keys.push(key);
      return;
    }
    if (server.auth === 'none') return;
    const what = list === 'api_keys' ? 'gateway key' : 'admin key';
    const message =
      missing.length > 0
        ? `environment variable ${[...new Set(missing)].join(', ')} is not set, so this ${what} would be ${key.trim() === '' ? 'empty' : 'incomplete'}; expected a key: set the variable, ${AUTH_NONE_HINT}`
        : `expected a non-empty ${what}, found ${JSON.stringify(key)}; remove the entry, ${AUTH_NONE_HINT}`;
    issues.push({ path: ['server', list, index], message });
  });
  return keys;
}
