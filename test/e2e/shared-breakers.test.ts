import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { redisMissing, startRedis, type RedisServer } from '../support/local-servers.js';
import { spawnServe, type ServeProcess } from '../support/spawn-serve.js';
import { keysCommand } from '../../src/cli/keys-command.js';

/**
 * Three `switchyard serve` processes (the built dist/) on one Redis and one key store, driven as a
 * load balancer drives them: round robin, one request at a time. They act as one: a dead upstream
 * is skipped by all three once one gateway's breaker opened, and a key revoked through one is
 * refused by the others at once, not when their key caches expire (5 s).
 */

const API_KEY = 'static-gateway-key-0123456789';
const ADMIN_KEY = 'admin-gateway-key-0123456789';
const THRESHOLD = 3;
const COOLDOWN_MS = 3_000;

describe.skipIf(redisMissing !== undefined)('three gateways on one Redis', () => {
  let redis: RedisServer;
  let admin: Redis;
  let upstream: FakeUpstream;
  let dir: string;
  const gateways: ServeProcess[] = [];
  let next = 0;

  beforeAll(async () => {
    [redis, upstream] = await Promise.all([startRedis(), startFakeUpstream()]);
    admin = new Redis(redis.url);
    upstream.respond((request) => (request.body?.['model'] === 'primary-wire' ? { type: 'error', status: 500 } : { type: 'completion', text: 'from the fallback' }));
    dir = mkdtempSync(join(tmpdir(), 'switchyard-shared-breakers-'));
    const config = join(dir, 'switchyard.yaml');
    writeFileSync(
      config,
      `server:
  api_keys: ["${API_KEY}"]
  admin_keys: ["${ADMIN_KEY}"]
storage:
  path: "${join(dir, 'traces.db')}"
state:
  redis: { url: "${redis.url}", key_prefix: "sb:" }
providers:
  dead: { type: openai, base_url: "${upstream.url}", api_key: "sk-dead-0123456789", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: ${THRESHOLD}, cooldown_ms: ${COOLDOWN_MS} } }
  live: { type: openai, base_url: "${upstream.url}", api_key: "sk-live-0123456789" }
models:
  primary: { provider: dead, model: primary-wire, price: { input: 1, output: 2 } }
  backup: { provider: live, model: backup-wire, price: { input: 1, output: 2 } }
routers:
  auto: { default: { fallback: [primary, backup] } }
`,
    );
    // One after the other: the first creates the store's tables.
    for (let index = 0; index < 3; index++) gateways.push(await spawnServe(config));
    // Every gateway listens on both channels before the first request (a load balancer's readiness would wait for /healthz alone).
    const deadline = Date.now() + 10_000;
    const listening = async (): Promise<boolean> => {
      const counts = await admin.pubsub('NUMSUB', 'sb:breakers', 'sb:keys:changed');
      return counts[1] === 3 && counts[3] === 3;
    };
    while (!(await listening())) {
      if (Date.now() > deadline) throw new Error('the gateways did not subscribe within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 60_000);

  afterAll(async () => {
    for (const gateway of gateways) gateway.stop();
    await Promise.all(gateways.map((gateway) => gateway.exited));
    admin?.disconnect();
    await Promise.all([redis?.stop(), upstream?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The next gateway in turn, as a round-robin load balancer picks it. */
  const roundRobin = (): ServeProcess => gateways[next++ % gateways.length] as ServeProcess;

  const ask = async (gateway: ServeProcess, key = API_KEY, model = 'auto'): Promise<{ status: number; model: string | undefined }> => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
    });
    const body = (await response.json()) as { model?: string };
    return { status: response.status, model: body.model };
  };

  it('a dead upstream sees the breaker threshold of calls in all, not once per gateway; after the cooldown, one probe', async () => {
    const answers = [];
    for (let index = 0; index < 12; index++) answers.push(await ask(roundRobin()));
    expect(answers.map(({ status }) => status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map(({ model }) => model))).toEqual(new Set(['backup']));
    // Each gateway on its own would have called it THRESHOLD times: 9 calls.
    expect(upstream.requestsFor('primary-wire')).toHaveLength(THRESHOLD);

    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 300));
    // All three at once: only the gateway that opened the circuit probes; the two others wait for its verdict.
    expect((await Promise.all(gateways.map((gateway) => ask(gateway)))).map(({ status }) => status)).toEqual([200, 200, 200]);
    // Its probe failed: open again, everywhere.
    for (let index = 0; index < 6; index++) expect((await ask(roundRobin())).status).toBe(200);
    expect(upstream.requestsFor('primary-wire')).toHaveLength(THRESHOLD + 1);
  }, 30_000);

  /** A key made through gateway A and used on B and C: both hold it in their caches, trusted for 5 s. */
  async function keyInUse(name: string): Promise<{ id: string; secret: string }> {
    const [a, b, c] = gateways as [ServeProcess, ServeProcess, ServeProcess];
    const created = await fetch(`${a.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ name }) });
    expect(created.status).toBe(201);
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
    expect((await ask(b, secret, 'backup')).status).toBe(200);
    expect((await ask(c, secret, 'backup')).status).toBe(200);
    return { id: key.id, secret };
  }

  /** Polls B and C until both refuse `secret`; fails past 1 s, well under the caches' 5 s: the change was heard, not waited out. */
  async function refusedByOthers(secret: string): Promise<void> {
    const [, b, c] = gateways as [ServeProcess, ServeProcess, ServeProcess];
    await expect.poll(async () => [(await ask(b, secret, 'backup')).status, (await ask(c, secret, 'backup')).status], { timeout: 1_000, interval: 20 }).toEqual([401, 401]);
  }

  it('a key revoked through one gateway is refused by the others at once', async () => {
    const { id, secret } = await keyInUse('app');
    const revoked = await fetch(`${gateways[0]?.url}/admin/keys/${id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(revoked.status).toBe(200);
    await refusedByOthers(secret);
  }, 30_000);

  it('a key rotated with the CLI (switchyard keys rotate) is refused by every gateway at once', async () => {
    const { id, secret } = await keyInUse('cli-app');
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text), env: {}, cwd: dir };
    expect(await keysCommand(['rotate', id, '--config', join(dir, 'switchyard.yaml')], io)).toBe(0);
    expect(out.join('\n')).not.toContain('could not reach');
    await refusedByOthers(secret);
  }, 30_000);
});
