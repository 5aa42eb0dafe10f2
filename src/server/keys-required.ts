import type { ServerConfig } from '../config/resolved-config.js';

/**
 * Whether every client must present a key: the config lists client or admin keys. Virtual keys
 * are accepted beside these only, so a gateway does not turn authentication on because someone
 * created a key in its store.
 */
export function keysRequired(server: Pick<ServerConfig, 'apiKeys' | 'adminKeys'>): boolean {
  return server.apiKeys.length > 0 || server.adminKeys.length > 0;
}
