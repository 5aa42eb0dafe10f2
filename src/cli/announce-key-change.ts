import { loadConfig } from '../config/load-config.js';
import { KEY_CACHE_TTL_MS } from '../keys/cached-key-lookup.js';
import { announceKeyChange } from '../state/revocations.js';
import type { CliIo } from './cli-io.js';

/**
 * After `switchyard keys revoke|rotate|update`: tells the gateways on the config's `state.redis` that
 * the key changed, so each drops it from its cache at once. Only when the store is the config's
 * (no `--db`/`--postgres` without `--config`): the gateways to tell are the ones of that config.
 * Redis unreachable: said on stderr; the gateways still see the change within their key cache's TTL.
 */
export async function announceKeyChangeFromCli(values: { config?: string | undefined; db?: string | undefined; postgres?: string | undefined }, io: CliIo, keyId: string): Promise<void> {
  if (values.config === undefined && (values.db !== undefined || values.postgres !== undefined)) return;
  const redis = loadConfig({ explicit: values.config, env: io.env, cwd: io.cwd }).state.redis;
  if (redis === undefined) return;
  if (!(await announceKeyChange(redis, keyId))) io.err(`warning: could not reach state.redis to tell the gateways; they see the change within ${KEY_CACHE_TTL_MS / 1_000} s (their key cache)`);
}
