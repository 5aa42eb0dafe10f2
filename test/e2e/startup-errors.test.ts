import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { StartupError } from '../../src/errors/startup-error.js';
import { SwitchyardError } from '../../src/errors/switchyard-error.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { Routing } from '../../src/routing/routing.js';
import { EmbeddingCache } from '../../src/routing/signals/embedding-cache.js';
import { errorToHttp } from '../../src/server/error-to-http.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import { SCHEMA_VERSION } from '../../src/telemetry/trace-store-schema.js';
import { startFakeUpstream } from '../support/fake-openai-upstream.js';

/** A config that validates but cannot start: its router embeds examples with a model whose provider has no embeddings endpoint. */
const MOCK_ENCODER = `
providers:
  rehearsal: { type: mock }
models:
  cheap: { provider: rehearsal, price: { input: 1, output: 2 } }
  emb: { provider: rehearsal, price: { input: 1, output: 0 } }
routers:
  semantic:
    encoder: { model: emb }
    routes:
      greet: { when: { examples: [hello there] }, target: cheap }
    default: cheap
`;

async function startupFailure(start: () => unknown): Promise<unknown> {
  try {
    await start();
  } catch (error) {
    return error;
  }
  throw new Error('expected the start to fail');
}

function expectStartupError(error: unknown, message: string | RegExp): void {
  expect(error).toBeInstanceOf(StartupError);
  expect(SwitchyardError.isInstance(error)).toBe(true);
  expect(error).toMatchObject({ kind: 'startup', retryable: false, name: 'StartupError' });
  expect((error as Error).message).toMatch(message);
}

describe('start-up failures are typed errors of the hierarchy', () => {
  it('an encoder model whose provider has no embeddings endpoint', async () => {
    const error = await startupFailure(() => Gateway.create(parseConfig(MOCK_ENCODER, 'test.yaml', { env: {} }), { recentTraces: 0 }));
    expectStartupError(error, 'model "emb" is an encoder, and its provider "rehearsal" has no embeddings endpoint');
  });

  it('a router that must embed its examples where no model can be called', async () => {
    const routing = new Routing(parseConfig(MOCK_ENCODER, 'test.yaml', { env: {} }));
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-startup-'));
    const error = await startupFailure(() => routing.prepare(new EmbeddingCache(join(dir, 'embeddings.db'))));
    expectStartupError(error, 'router "semantic" embeds its examples with a model, and no model can be called here');
  });

  it('examples the encoder model cannot embed, naming the router and keeping the upstream error as the cause', async () => {
    const upstream = await startFakeUpstream();
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-startup-'));
    try {
      upstream.respond({ type: 'error', status: 400, message: 'no embeddings today' });
      const config = parseConfig(
        MOCK_ENCODER.replace('  rehearsal: { type: mock }\n', `  rehearsal: { type: mock }\n  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test", retry: { max_attempts: 1 } }\n`)
          .replace('emb: { provider: rehearsal,', 'emb: { provider: fake,')
          .concat(`storage: { path: ${JSON.stringify(join(dir, 'switchyard.db'))} }\n`),
        'test.yaml',
        { env: {} },
      );
      const error = await startupFailure(() => Gateway.create(config, { recentTraces: 0 }));
      expectStartupError(error, /^router "semantic": could not embed the examples with "emb": .*no embeddings today/);
      expect((error as Error).cause).toMatchObject({ kind: 'startup', cause: { kind: 'upstream_http', status: 400 } });
    } finally {
      await upstream.close();
    }
  });

  it('a trace store written by a newer Switchyard', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'switchyard-startup-')), 'newer.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    raw.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(SCHEMA_VERSION + 1, 0);
    raw.close();
    const error = await startupFailure(() => SqliteTraceStore.open({ path, retention: { maxAgeMs: 1, maxRows: 1 } }));
    expectStartupError(error, `the trace store ${path} has schema version ${SCHEMA_VERSION + 1}, newer than this Switchyard's ${SCHEMA_VERSION}; upgrade Switchyard or use another storage.path`);
  });

  it('maps to a 500 internal_error should one ever reach a client', () => {
    expect(errorToHttp(new StartupError('cannot start'))).toEqual({
      status: 500,
      body: { error: { message: 'cannot start', type: 'server_error', param: null, code: 'internal_error' } },
      headers: {},
    });
  });
});
