import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { loadConfigFile, loadQuickstartConfig, type Env } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { Gateway } from '../gateway/gateway.js';
import type { TraceSink } from '../gateway/trace-sink.js';
import type { RunningServer } from '../server/create-server.js';

export type ReloadContext = {
  /** The config file `serve` started from; undefined: the built-in quickstart config. */
  file: string | undefined;
  env: Env;
  logger: Logger;
  running: RunningServer;
  /** The sinks every gateway of this process writes to (the log). */
  sinks: readonly TraceSink[];
  /** True once a shutdown has begun: a gateway built meanwhile is not swapped in. */
  stopping(): boolean;
};

/**
 * SIGHUP: reads and validates the config again, from where it came at start. A broken one is
 * logged (file, line, key, as `check-config` says it) and the running config keeps serving. A
 * valid one becomes a new gateway for new requests at once; requests in flight finish on the old
 * one, which is then retired. The trace store, the metrics and the circuit state of unchanged
 * deployments carry over. Resolves with the gateway serving afterwards.
 *
 * The `server` block (listener, auth, limits: built once when the server starts) and the store's
 * `storage.path`, `retention` and `postgres` are kept as they were: a change to them is logged as needing a
 * restart.
 */
export async function reloadConfig(current: Gateway, context: ReloadContext): Promise<Gateway> {
  const { file, logger } = context;
  const source = file ?? current.config.source;
  let loaded: ResolvedConfig;
  try {
    loaded = file === undefined ? loadQuickstartConfig({ env: context.env }) : loadConfigFile(file, { env: context.env });
  } catch (error) {
    logger.error({ config: source }, `config reload failed, the running config keeps serving: ${describe(error)}`);
    return current;
  }
  const config = keepFixedSettings(loaded, current.config);
  const fixed = changedFixedSettings(loaded, current.config);
  if (fixed.length > 0) logger.warn({ config: source, settings: fixed }, `config reload: ${fixed.join(', ')} changed and take effect only after a restart`);

  let next: Gateway;
  try {
    next = await Gateway.create(config, { predecessor: current, sinks: context.sinks, recentTraces: 0 });
  } catch (error) {
    logger.error({ config: source }, `config reload failed, the running config keeps serving: ${describe(error)}`);
    return current;
  }
  if (context.stopping()) {
    await next.retire();
    return current;
  }
  for (const warning of [...config.warnings, ...next.warnings]) logger.warn(warning);
  const retired = context.running.replaceGateway(next);
  retired.catch((error: unknown) => logger.error({ err: error }, 'config reload: closing the replaced gateway failed'));
  logger.info({ config: source, ...summarize(current.config, config) }, 'config reloaded');
  return next;
}

/** The new config, with the settings that need a restart taken from the running one. */
function keepFixedSettings(loaded: ResolvedConfig, running: ResolvedConfig): ResolvedConfig {
  return { ...loaded, server: running.server, storage: { ...loaded.storage, path: running.storage.path, retention: running.storage.retention, postgres: running.storage.postgres } };
}

/** Names (as written in the config) of the settings that changed but need a restart; never their values (keys are secret). */
function changedFixedSettings(loaded: ResolvedConfig, running: ResolvedConfig): string[] {
  const changed: string[] = [];
  const server = running.server as Readonly<Record<string, unknown>>;
  const next = loaded.server as Readonly<Record<string, unknown>>;
  for (const key of new Set([...Object.keys(server), ...Object.keys(next)])) {
    if (!isDeepStrictEqual(server[key], next[key])) changed.push(`server.${yamlName(key)}`);
  }
  if (loaded.storage.path !== running.storage.path) changed.push('storage.path');
  if (!isDeepStrictEqual(loaded.storage.retention, running.storage.retention)) changed.push('storage.retention');
  if (!isDeepStrictEqual(loaded.storage.postgres, running.storage.postgres)) changed.push('storage.postgres');
  return changed;
}

/** What changed, at a glance: counts, and the routers and models that came or went. */
function summarize(before: ResolvedConfig, after: ResolvedConfig): Record<string, unknown> {
  const diff = (old: ReadonlyMap<string, unknown>, next: ReadonlyMap<string, unknown>): { added: string[]; removed: string[] } => ({
    added: [...next.keys()].filter((name) => !old.has(name)),
    removed: [...old.keys()].filter((name) => !next.has(name)),
  });
  const enabled = [...after.providers.values()].filter((provider) => !provider.disabled).map((provider) => provider.name);
  return {
    routers: after.routers.size,
    models: after.models.size,
    providers: enabled,
    changes: { routers: diff(before.routers, after.routers), models: diff(before.models, after.models) },
  };
}

/** A resolved server setting's name as the config writes it: camelCase of the YAML key, but `*Bytes` for a `*_size`. */
function yamlName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`).replace(/_bytes$/, '_size');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
