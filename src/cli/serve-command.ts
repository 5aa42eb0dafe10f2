import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { constants as osConstants } from 'node:os';
import { findConfig, loadConfigFile, loadQuickstartConfig } from '../config/load-config.js';
import { Gateway } from '../gateway/gateway.js';
import { startServer } from '../server/create-server.js';
import { boundAddress } from '../server/guard-request.js';
import { missingAuthWarning } from '../server/missing-auth-warning.js';
import { BatchedLines } from '../telemetry/batched-lines.js';
import { createLogSink } from '../telemetry/log-sink.js';
import type { SqliteTraceStore } from '../telemetry/sqlite-trace-store.js';
import { openTraceStore } from './open-trace-store.js';
import type { CachedKeyLookup } from '../keys/cached-key-lookup.js';
import type { KeyStore } from '../keys/key-store.js';
import { Governor } from '../keys/key-governor.js';
import { guardedRouters } from '../routing/guarded-routers.js';
import { openServeKeys } from './open-serve-keys.js';
import { budgetAlertHandler } from './budget-alert-handler.js';
import { createDriftMonitor } from './create-drift-monitor.js';
import { shareKeyLimits } from './share-key-limits.js';
import { virtualKeyLookup } from './virtual-key-lookup.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { reloadConfig } from './reload-config.js';
import { watchRouterFiles } from './watch-router-files.js';
import { openSharedState, shareState } from './open-shared-state.js';
import { SharedBreakers } from '../state/shared-breakers.js';
import { SharedShadowBudget } from '../gateway/shadow/shared-shadow-budget.js';
import { SharedCache } from '../state/shared-cache.js';
import { SharedLoad } from '../state/shared-load.js';

export const SERVE_USAGE = `Usage: switchyard serve [--config FILE] [--port N] [--host H]

Runs the gateway: an OpenAI-compatible endpoint at /v1/chat/completions that routes each request.

The config comes from --config, else $SWITCHYARD_CONFIG, else ./switchyard.yaml, else the
built-in quickstart config (which enables every vendor whose API key variable is set).
SIGHUP reloads it, as does a change to a trained router file it names (\`switchyard retrain\`);
requests in flight finish on the config they started with.

Options:
  -c, --config FILE   Config file
  -p, --port N        Port (default: server.port of the config, 8787)
  -H, --host H        Interface to listen on (default: server.host of the config, 127.0.0.1)
  -h, --help          Show this help

Environment:
  SWITCHYARD_LOG_LEVEL   trace, debug, info (default), warn, error, silent`;

/** Runs until SIGINT/SIGTERM (SIGHUP reloads the config); resolves with the exit code. */
export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  let values: { config?: string | undefined; port?: string | undefined; host?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string', short: 'H' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help) {
      io.out(SERVE_USAGE);
      return 0;
    }
    if (values.port !== undefined && !/^\d+$/.test(values.port)) throw new UsageError(`--port expects a number, got "${values.port}"`);
  } catch (error) {
    return reportFailure(io, error, SERVE_USAGE);
  }

  // Asynchronous, buffered stdout: a slow log reader (a pipe, a busy disk) must not block requests,
  // and lines go out in 4 KB writes, or within 250 ms when traffic is light; what is left goes out
  // when the process exits. A reader that stops reading costs at most 16 MB: past it lines are dropped.
  const logger = pino(
    { level: io.env['SWITCHYARD_LOG_LEVEL'] ?? 'info' },
    new BatchedLines(pino.destination({ dest: 1, sync: false, minLength: 0, maxLength: 16 * 1024 * 1024 })),
  );
  // SIGHUP reloads the config (see below); until the server runs, one is only noted, so it cannot kill the process.
  let hangupBeforeStart = false;
  let hangup = (): void => void (hangupBeforeStart = true);
  const onHangup = (): void => hangup();
  process.on('SIGHUP', onHangup);
  const file = findConfig({ explicit: values.config, env: io.env, cwd: io.cwd });
  let config;
  try {
    config = file === undefined ? loadQuickstartConfig({ env: io.env }) : loadConfigFile(file, { env: io.env });
  } catch (error) {
    process.off('SIGHUP', onHangup);
    return reportFailure(io, error, SERVE_USAGE);
  }
  for (const warning of config.warnings) logger.warn(warning);
  // A bug in one request must not take the others down with the process.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  const sinks = [createLogSink(logger)];
  // state.redis: one connection for every concern this process shares with the other gateways.
  const sharedState = await openSharedState(config.state, logger);
  const sharedBreakers = sharedState && new SharedBreakers(sharedState);
  const sharedAnswers = sharedState && new SharedCache(sharedState);
  const sharedLoad = sharedState && new SharedLoad(sharedState);
  const shadowBudget = sharedState && new SharedShadowBudget(sharedState);
  let gateway: Gateway;
  let virtualKeys: CachedKeyLookup | undefined;
  let adminKeyStore: KeyStore | undefined;
  let closeKeys = async (): Promise<void> => undefined;
  try {
    const store = await openTraceStore(config.storage, logger);
    // Keys and spend in storage.postgres when set (shared by every gateway on it), else in the trace file.
    const served = await openServeKeys(config.storage, () => (store as SqliteTraceStore).db, {
      clock: config.budgets,
      // With shared budgets the alerts come from Redis (once across the gateways), not from this process's ledger.
      onAlert: sharedState === undefined ? budgetAlertHandler(logger, () => gateway.metrics) : () => undefined,
      onError: (message) => logger.error(`key store: ${message}`),
    });
    closeKeys = served.close;
    const keyStore = served.store;
    // One governor for the process: its counters outlive reloads, and it reads the teams of the config serving now.
    // Budgets start from the spend stored with the traces of the periods still open.
    // state.redis: rate limits and budgets counted for every gateway on it, this ledger their fallback.
    const sharedLimits =
      sharedState && (await shareKeyLimits(sharedState, { config: config.state, clock: config.budgets, ledger: served.budgets, storedSpend: served.storedSpend, logger, onAlert: budgetAlertHandler(logger, () => gateway.metrics) }));
    const budgets = sharedLimits?.budgets ?? served.budgets;
    const governor = new Governor({ teams: () => gateway.config.teams, guardedRouters: () => guardedRouters(gateway.config.routers), keys: () => keyStore.list(), budgets, rates: sharedLimits?.rates });
    // One drift monitor for the process: it outlives reloads (the gateway chain keeps it), its levels follow the config serving now.
    const qualityObserver = createDriftMonitor(config, logger, () => gateway.config);
    gateway = await Gateway.create(config, { store, sinks, processMetrics: true, recentTraces: 0, governor, sharedBreakers, sharedAnswers, sharedLoad, shadowBudget, qualityObserver });
    const keys = virtualKeyLookup(keyStore, config.server);
    if (keys.warning !== undefined) logger.warn(keys.warning);
    virtualKeys = keys.lookup;
    if (sharedState) await shareState(sharedState, gateway.metrics, virtualKeys);
    adminKeyStore = keyStore;
  } catch (error) {
    process.off('SIGHUP', onHangup);
    await closeKeys();
    await sharedState?.close();
    // A trace store that cannot be opened, an encoder model that cannot embed the route examples: a clear error, not a stack trace.
    return reportFailure(io, error, SERVE_USAGE);
  }
  for (const warning of gateway.warnings) logger.warn(warning);
  let running;
  try {
    running = await startServer(gateway, logger, {
      host: values.host ?? config.server.host,
      port: values.port === undefined ? config.server.port : Number(values.port),
      virtualKeys,
      keyStore: adminKeyStore,
    });
  } catch (error) {
    process.off('SIGHUP', onHangup);
    await gateway.close();
    await closeKeys();
    await sharedState?.close();
    return reportFailure(io, error, SERVE_USAGE);
  }
  const enabled = [...config.providers.values()].filter((provider) => !provider.disabled).map((provider) => provider.name);
  logger.info(
    {
      url: running.url,
      config: file ?? config.source,
      routers: [...config.routers.keys()],
      providers: enabled,
    },
    `switchyard listening on ${running.url}`,
  );
  if (enabled.length === 0) {
    logger.warn('no provider is enabled: chat requests will fail until you set a provider API key (see the warnings above) and restart');
  }
  const authWarning = missingAuthWarning(config.server, { host: boundAddress(running.server), url: running.url });
  if (authWarning) logger.warn({ auth: config.server.auth }, authWarning);

  const server = running;
  let stopping = false;
  // One reload at a time, in the order the signals came.
  let reloading = Promise.resolve();
  // SIGHUP, or a trained router file of the config that changed (`switchyard retrain` promoted one).
  const reload = (cause: { signal: 'SIGHUP' } | { changed: string[] }): void => {
    if (stopping) return;
    logger.info({ ...cause, config: file ?? config.source }, 'reloading the config');
    reloading = reloading
      .then(async () => {
        gateway = await reloadConfig(gateway, { file, env: io.env, logger, running: server, sinks, stopping: () => stopping });
        routerFiles.update(gateway.config);
      })
      .catch((error: unknown) => logger.error({ err: error }, 'config reload failed, the running config keeps serving'));
  };
  const routerFiles = watchRouterFiles(config, logger, (changed) => reload({ changed }));
  hangup = () => reload({ signal: 'SIGHUP' });
  if (hangupBeforeStart) hangup();

  return new Promise((resolve) => {
    const graceMs = config.server.shutdownGraceMs;
    const shutdown = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // Whoever sends a second signal wants the process gone now; the log still gets its lines (exit hooks flush it).
        logger.warn({ signal }, 'second signal during the shutdown: exiting now, without waiting for requests in flight or unwritten traces');
        process.exit(128 + (osConstants.signals[signal] ?? 0));
      }
      stopping = true;
      routerFiles.close();
      logger.info({ signal, grace_ms: graceMs }, 'shutting down: no new requests; those in flight get the grace to finish');
      void server
        .close({ graceMs })
        .then(({ cut }) => {
          if (cut > 0) logger.warn({ cut, grace_ms: graceMs }, `shutdown grace ran out: ${cut} request(s) cut, streams ended with a shutdown error event`);
          logger.info('stopped');
        })
        .catch((error: unknown) => logger.error({ err: error }, 'shutdown failed'))
        .finally(() => {
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          process.off('SIGHUP', onHangup);
          void closeKeys()
            .then(() => {
              sharedLoad?.stop();
              return sharedState?.close();
            })
            .finally(() => resolve(0));
        });
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
