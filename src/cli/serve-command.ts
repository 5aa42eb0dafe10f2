import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { findConfig, loadConfig } from '../config/load-config.js';
import { Gateway } from '../gateway/gateway.js';
import { startServer } from '../server/create-server.js';
import { BatchedLines } from '../telemetry/batched-lines.js';
import { createLogSink } from '../telemetry/log-sink.js';
import { SqliteTraceStore } from '../telemetry/sqlite-trace-store.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';

export const SERVE_USAGE = `Usage: switchyard serve [--config FILE] [--port N] [--host H]

Runs the gateway: an OpenAI-compatible endpoint at /v1/chat/completions that routes each request.

The config comes from --config, else $SWITCHYARD_CONFIG, else ./switchyard.yaml, else the
built-in quickstart config (which enables every vendor whose API key variable is set).

Options:
  -c, --config FILE   Config file
  -p, --port N        Port (default: server.port of the config, 8787)
  -H, --host H        Interface to listen on (default: server.host of the config, 127.0.0.1)
  -h, --help          Show this help

Environment:
  SWITCHYARD_LOG_LEVEL   trace, debug, info (default), warn, error, silent`;

/** Runs until SIGINT/SIGTERM; resolves with the exit code. */
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
  let config;
  try {
    config = loadConfig({ explicit: values.config, env: io.env, cwd: io.cwd });
  } catch (error) {
    return reportFailure(io, error, SERVE_USAGE);
  }
  for (const warning of config.warnings) logger.warn(warning);
  // A bug in one request must not take the others down with the process.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  let gateway;
  try {
    const store = SqliteTraceStore.open({
      path: config.storage.path,
      retention: config.storage.retention,
      onError: (message) => logger.error({ path: config.storage.path }, `trace store: ${message}`),
    });
    gateway = await Gateway.create(config, { store, sinks: [createLogSink(logger)], processMetrics: true, recentTraces: 0 });
  } catch (error) {
    // A trace store that cannot be opened, an encoder model that cannot embed the route examples: a clear error, not a stack trace.
    return reportFailure(io, error, SERVE_USAGE);
  }
  for (const warning of gateway.warnings) logger.warn(warning);
  let running;
  try {
    running = await startServer(gateway, logger, {
      host: values.host ?? config.server.host,
      port: values.port === undefined ? config.server.port : Number(values.port),
    });
  } catch (error) {
    await gateway.close();
    return reportFailure(io, error, SERVE_USAGE);
  }
  const enabled = [...config.providers.values()].filter((provider) => !provider.disabled).map((provider) => provider.name);
  logger.info(
    {
      url: running.url,
      config: findConfig({ explicit: values.config, env: io.env, cwd: io.cwd }) ?? config.source,
      routers: [...config.routers.keys()],
      providers: enabled,
    },
    `switchyard listening on ${running.url}`,
  );
  if (enabled.length === 0) {
    logger.warn('no provider is enabled: chat requests will fail until you set a provider API key (see the warnings above) and restart');
  }

  return new Promise((resolve) => {
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      // Give in-flight requests a moment to finish, then close whatever is left.
      const force = setTimeout(() => running.server.closeAllConnections(), 10_000);
      force.unref();
      void running.close().then(() => resolve(0));
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
