import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { exportCommand } from '../../src/cli/export-command.js';
import { statsCommand } from '../../src/cli/stats-command.js';
import type { TraceStats } from '../../src/telemetry/trace-stats.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { freePort, postgresMissing, startPostgres, type PostgresServer } from '../support/local-servers.js';
import { queryDatabase } from '../support/postgres-database.js';
import { spawnServe, type ServeProcess } from '../support/spawn-serve.js';
import { testConfig } from '../support/start-gateway.js';

/**
 * Three `switchyard serve` processes (the built `dist/`: `npx tsc -p tsconfig.build.json`) on one
 * PostgreSQL (`storage.postgres`), driven round robin as a load balancer would: `/v1/stats` from any
 * of them, `switchyard stats` and `switchyard export` count all the traffic, exactly what the clients saw.
 */

const N = 90;
let postgres: PostgresServer;
let upstream: FakeUpstream;
let dir: string;
let config: string;
let gateways: ServeProcess[] = [];

beforeAll(async () => {
  if (postgresMissing !== undefined) return;
  [postgres, upstream] = await Promise.all([startPostgres(), startFakeUpstream()]);
  dir = mkdtempSync(join(tmpdir(), 'switchyard-pgstore-'));
  config = join(dir, 'switchyard.yaml');
  writeFileSync(config, testConfig(upstream.url, `storage:\n  path: "${join(dir, 'unused.db')}"\n  store_prompts: true\n  postgres: { url: "${postgres.url}" }\n`));
  // Started together: their migrations of the one new database take turns under the advisory lock.
  gateways = await Promise.all([0, 1, 2].map(() => spawnServe(config)));
}, 60_000);

afterAll(async () => {
  for (const gateway of gateways) {
    gateway.stop();
    await gateway.exited;
  }
  await upstream?.close();
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function chat(gateway: ServeProcess, n: number): Promise<{ status: number; traceId: string | null }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: `question ${n}` }] }),
  });
  await response.arrayBuffer();
  return { status: response.status, traceId: response.headers.get('x-switchyard-trace-id') };
}

function io(): CliIo & { text: () => string } {
  let out = '';
  return { out: (text) => (out += `${text}\n`), err: () => undefined, env: {}, cwd: dir, text: () => out };
}

describe.skipIf(postgresMissing !== undefined)('three gateways on one PostgreSQL', () => {
  it('count all the traffic from any of them: /v1/stats, switchyard stats and export equal what the clients saw', async () => {
    // Round robin, at most 6 requests in flight.
    const answers: { status: number; traceId: string | null }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < N) {
          const n = next++;
          answers.push(await chat(gateways[n % 3] as ServeProcess, n));
        }
      }),
    );
    const served = answers.filter((answer) => answer.status === 200).length;
    expect(served).toBe(N);

    // Each gateway writes its own traces within its batch interval; every one then sees them all.
    for (const gateway of gateways) {
      const deadline = Date.now() + 10_000;
      let stats: TraceStats & { traceStore: { written: number } };
      do {
        stats = (await (await fetch(`${gateway.url}/v1/stats`)).json()) as typeof stats;
        expect(stats.requests).toBeLessThanOrEqual(N);
      } while (stats.requests < N && Date.now() < deadline && (await new Promise((resolve) => setTimeout(resolve, 50)), true));
      expect(stats.requests).toBe(N);
      expect(stats.statuses.ok).toBe(N);
      // A third of the traffic went through each one: its own store counted what it wrote.
      expect(stats.traceStore.written).toBe(N / 3);
    }
    expect((await queryDatabase<{ n: number }>(postgres.url, 'SELECT COUNT(*)::int AS n FROM traces'))[0]?.n).toBe(N);

    const byConfig = io();
    expect(await statsCommand(['--config', config, '--json'], byConfig)).toBe(0);
    const cli = JSON.parse(byConfig.text()) as TraceStats;
    expect(cli.requests).toBe(N);
    const byFlag = io();
    expect(await statsCommand(['--postgres', postgres.url], byFlag)).toBe(0);
    expect(byFlag.text()).toContain(`${N} requests in postgres://postgres@127.0.0.1:${postgres.port}/postgres`);

    // Feedback on a trace written by one gateway, given through another, exported by the CLI.
    const first = answers[0]?.traceId as string;
    const feedback = await fetch(`${gateways[2]?.url}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ trace_id: first, score: 1 }),
    });
    expect(feedback.status).toBe(201);
    const exported = io();
    expect(await exportCommand(['--format', 'jsonl', '--config', config], exported)).toBe(0);
    expect(exported.text().trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id)).toEqual([first]);
  }, 60_000);

  it('refuses to start, saying why without the password, when PostgreSQL does not answer at start', async () => {
    const file = join(dir, 'down.yaml');
    writeFileSync(file, testConfig(upstream.url, `storage:\n  path: "${join(dir, 'down.db')}"\n  postgres: { url: "postgres://postgres:s3cret-pw@127.0.0.1:${await freePort()}/postgres" }\n`));
    const failure = await spawnServe(file).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(failure).toContain('cannot open the trace store in PostgreSQL postgres://postgres:***@127.0.0.1');
    expect(failure).not.toContain('s3cret-pw');
  }, 30_000);
});
