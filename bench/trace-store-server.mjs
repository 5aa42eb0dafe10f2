// A gateway for bench/trace-store.mjs, in its own process: `node bench/trace-store-server.mjs disk|none`.
// `disk` writes every trace to a SQLite store on disk as `switchyard serve` does; `none` keeps the
// same gateway but drops traces instead of storing them (the baseline). Prints its URL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../dist/config/load-config.js';
import { Gateway } from '../dist/gateway/gateway.js';
import { startServer } from '../dist/server/create-server.js';
import { SqliteTraceStore } from '../dist/telemetry/sqlite-trace-store.js';

const mode = process.argv[2];
const config = parseConfig(
  `
providers:
  rehearsal: { type: mock, latency_ms: 0 }
models:
  small:  { provider: rehearsal, price: { input: 0.1, output: 0.4 } }
  coder:  { provider: rehearsal, price: { input: 0.3, output: 1.2 } }
  strong: { provider: rehearsal, price: { input: 3, output: 15 } }
routers:
  auto:
    reference: strong
    routes:
      code:     { when: { keywords: [python, debug, function] }, target: coder }
      creative: { when: { keywords: [story, poem] }, target: strong }
      billing:  { when: { metadata: { team: billing } }, target: small }
    default: small
    fallbacks: { coder: [small] }
`,
  'bench.yaml',
  { env: {} },
);
const store =
  mode === 'disk'
    ? SqliteTraceStore.open({ path: join(mkdtempSync(join(tmpdir(), 'switchyard-bench-')), 'traces.db'), retention: config.storage.retention })
    : SqliteTraceStore.open({ path: ':memory:', retention: config.storage.retention });
// The baseline: the same gateway, with the store's record turned into nothing.
if (mode === 'none') store.record = () => {};
const gateway = await Gateway.create(config, { store });
const running = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
process.stdout.write(`${running.url}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    const rows = mode === 'disk' ? (await store.flush(), store.db.prepare('SELECT COUNT(*) AS n FROM traces').get().n) : 0;
    process.stdout.write(`rows ${rows}\n`);
    await running.close();
    process.exit(0);
  })();
});
