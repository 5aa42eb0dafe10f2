import { pino, type Logger } from 'pino';
import { createLogSink } from '../../src/telemetry/log-sink.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { CachedKeyLookup } from '../../src/keys/cached-key-lookup.js';
import { Governor } from '../../src/keys/key-governor.js';
import { guardedRouters } from '../../src/routing/guarded-routers.js';
import { openBudgetLedger } from '../../src/keys/open-budget-ledger.js';
import { SqliteKeyStore } from '../../src/keys/sqlite-key-store.js';
import { startServer, type RunningServer } from '../../src/server/create-server.js';
import type { QualityObserver } from '../../src/spec/quality-observation.js';

/** `keys`: the virtual key store on the trace store's database (with `virtualKeys`). */
export type TestGateway = RunningServer & { gateway: Gateway; baseURL: string; keys?: SqliteKeyStore };

/**
 * A real gateway on 127.0.0.1, on a free port, from YAML config text. With `store`, it writes its
 * traces to the SQLite store at the config's `storage.path`, as `switchyard serve` does; `logger`
 * receives its per-request log lines. With `store` and `virtualKeys`, it takes the virtual keys of
 * that store (besides the config's `server.api_keys`) under their limits, and serves the admin API
 * (`server.admin_keys`) on it, as `switchyard serve` does.
 */
export async function startGateway(
  yaml: string,
  env: Record<string, string | undefined> = {},
  options: { store?: boolean; logger?: Logger; virtualKeys?: boolean; qualityObserver?: QualityObserver } = {},
): Promise<TestGateway> {
  const config = parseConfig(yaml, 'test.yaml', { env });
  const logger = options.logger ?? pino({ level: 'silent' });
  const store = options.store ? SqliteTraceStore.open({ path: config.storage.path, retention: config.storage.retention, batchMs: 5 }) : undefined;
  const keys = store && options.virtualKeys ? new SqliteKeyStore(store.db) : undefined;
  const governor = keys && store ? new Governor({ teams: () => gateway.config.teams, guardedRouters: () => guardedRouters(gateway.config.routers), keys: () => keys.list(), budgets: openBudgetLedger(store.db, config.budgets) }) : undefined;
  const gateway: Gateway = await Gateway.create(config, { ...(store ? { store } : {}), ...(governor ? { governor } : {}), sinks: options.logger ? [createLogSink(logger)] : [], qualityObserver: options.qualityObserver });
  const virtualKeys = keys ? new CachedKeyLookup((hash) => keys.findByHash(hash)) : undefined;
  const running = await startServer(gateway, logger, { host: '127.0.0.1', port: 0, virtualKeys, ...(keys ? { keyStore: keys } : {}) });
  return { ...running, gateway, baseURL: `${running.url}/v1`, ...(keys ? { keys } : {}) };
}

/**
 * The routing config the end-to-end tests use: three models on one fake upstream, with list-like
 * prices so cost assertions are easy to check by hand. One attempt per model and a breaker that
 * does not trip, so each test sees exactly the upstream answers it scripts whatever ran before it
 * (the reliability tests configure retries and breakers themselves).
 */
export function testConfig(upstreamUrl: string, extra = ''): string {
  return `
providers:
  fake: { type: openai, base_url: "${upstreamUrl}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  cheap:    { provider: fake, model: cheap-wire,    price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  coder:    { provider: fake, model: coder-wire,    price: { input: 0.27, output: 1.1, cached_input: 0.07 }, context_window: 64000 }
  strong:   { provider: fake, model: strong-wire,   price: { input: 3, output: 15 }, context_window: 200000 }
routers:
  auto:
    reference: strong
    routes:
      unsafe:   { when: { keywords: ["build a bomb"] }, block: "I can't help with that request." }
      code:     { when: { keywords: [python, debug, refactor, stack trace], regex: ["\`\`\`"] }, target: coder }
      creative: { when: { keywords: [story, poem] }, target: strong, system: "You are a vivid, concise writer." }
      billing:  { when: { metadata: { team: billing } }, target: cheap }
    default: cheap
    fallbacks:
      coder: [cheap]
${extra}`;
}
