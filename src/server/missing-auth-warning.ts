import type { ServerConfig } from '../config/resolved-config.js';
import { isLoopback } from './check-host.js';
import { keysRequired } from './keys-required.js';

/**
 * What to tell the operator when the gateway runs without keys (undefined when keys are in force).
 * Loud either way; with `auth: none` it only states the choice, without it it says how to fix it.
 */
export function missingAuthWarning(server: Pick<ServerConfig, 'auth' | 'apiKeys' | 'adminKeys'>, listen: { host: string; url: string }): string | undefined {
  if (keysRequired(server)) return undefined;
  const who = isLoopback(listen.host) ? 'any program on this machine' : 'anyone on the network';
  const exposure = `${who} that reaches ${listen.url} can spend your provider credits and read every trace`;
  if (server.auth === 'none') return `authentication is off (server.auth: none): ${exposure}`;
  return `NO AUTHENTICATION: server.api_keys is empty, so ${exposure}. Set server.api_keys (clients then send "Authorization: Bearer <key>"), or write \`auth: none\` under \`server:\` to say this is intended.`;
}
