import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { keysCommand } from '../../src/cli/keys-command.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { redisMissing, startRedis, type RedisServer } from '../support/local-servers.js';
import { spawnServe, type ServeProcess } from '../support/spawn-serve.js';

/**
 * Two `switchyard serve` processes (the built dist/) on one Redis, one with `on_failure.rate_limits:
 * open` and one with `closed` (budgets: the default, closed), under load while Redis is killed
 * (kill -9) and restarted empty: neither crashes, every request is answered or refused with the
 * configured error, and the counters are shared in Redis again once it is back.
 */

const ADMIN_KEY = 'admin-gateway-key-0123456789';
const RPM = 40;
type Mode = 'open' | 'closed';
type Answer = { mode: Mode; key: string; phase: Phase; status: number; code: string | undefined };
type Phase = 'up' | 'down' | 'back';

describe.skipIf(redisMissing !== undefined)('Redis killed under load', () => {
  let redis: RedisServer;
  let upstream: FakeUpstream;
  let dir: string;
  const gateways = new Map<Mode, ServeProcess>();
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    [redis, upstream] = await Promise.all([startRedis(), startFakeUpstream()]);
    upstream.respond(() => ({ type: 'completion', text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 10 } }));
    dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-outage-'));
    const config = (mode: Mode): string => {
      const file = join(dir, `${mode}.yaml`);
      writeFileSync(
        file,
        `server:
  admin_keys: ["${ADMIN_KEY}"]
storage:
  path: "${join(dir, 'traces.db')}"
state:
  # Generous for a loaded test machine: here Redis is either there or killed, never slow.
  redis: { url: "${redis.url}", key_prefix: "ro:", timeout_ms: 1000 }
  on_failure: { rate_limits: ${mode} }
providers:
  up: { type: openai, base_url: "${upstream.url}", api_key: "sk-up-0123456789" }
models:
  small: { provider: up, model: small-wire, price: { input: 1, output: 2 } }
routers:
  auto: { default: small }
`,
      );
      return file;
    };
    for (const [name, limit] of [['rated', ['--rpm', String(RPM)]], ['budgeted', ['--budget', '10/month']]] as const) {
      let out = '';
      const io: CliIo = { out: (text) => (out += text), err: (text) => (out += text), env: {}, cwd: dir };
      expect(await keysCommand(['create', '--config', config('open'), '--name', name, ...limit, '--json'], io)).toBe(0);
      secrets[name] = (JSON.parse(out) as { secret: string }).secret;
    }
    for (const mode of ['open', 'closed'] as const) gateways.set(mode, await spawnServe(config(mode)));
  }, 60_000);

  afterAll(async () => {
    for (const gateway of gateways.values()) gateway.stop();
    await Promise.all([...gateways.values()].map((gateway) => gateway.exited));
    await Promise.all([redis?.stop(), upstream?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const gateway = (mode: Mode): ServeProcess => gateways.get(mode) as ServeProcess;
  /** Requests of the budgeted key answered 200 so far: each cost 10 prompt tokens at $1/M and 10 completion tokens at $2/M. */
  let budgetedServed = 0;
  const COST_MICROS = 10 * 1 + 10 * 2;

  async function ask(mode: Mode, key: string): Promise<{ status: number; code: string | undefined }> {
    const response = await fetch(`${gateway(mode).url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets[key]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    if (key === 'budgeted' && response.status === 200) budgetedServed++;
    return { status: response.status, code: body.error?.code };
  }

  const healthy = async (mode: Mode): Promise<number> => (await fetch(`${gateway(mode).url}/healthz`)).status;
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  const spentUsd = async (): Promise<number> => {
    const usage = (await (await fetch(`${gateway('closed').url}/v1/usage?key=budgeted`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { keys: { budget: { spent_usd: number } }[] };
    return usage.keys[0]?.budget.spent_usd ?? 0;
  };

  it('serves or refuses as configured while Redis is down, never crashes, and counts in Redis again once it is back', async () => {
    // Spend before the outage, more than the budgeted requests after it can add up to.
    for (let index = 0; index < 60; index++) expect((await ask(index % 2 === 0 ? 'open' : 'closed', 'budgeted')).status).toBe(200);
    await sleep(300);
    const spentBefore = await spentUsd();
    expect(spentBefore).toBeGreaterThan(0);
    let phase: Phase = 'up';
    let running = true;
    const answers: Answer[] = [];
    const failures: string[] = [];
    // Four clients, each going round both gateways and both keys, until told to stop.
    const client = async (offset: number): Promise<void> => {
      for (let turn = offset; running; turn++) {
        const mode: Mode = turn % 2 === 0 ? 'open' : 'closed';
        const key = Math.floor(turn / 2) % 2 === 0 ? 'rated' : 'budgeted';
        const sentIn = phase;
        try {
          const answer = await ask(mode, key);
          // A request counts in the phase it was both sent and answered in (not one that straddled a kill or a restart).
          answers.push({ mode, key, phase: sentIn === phase ? sentIn : 'up', ...answer });
        } catch (error) {
          failures.push(String(error));
        }
        await sleep(20);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(client));
    await sleep(300);
    await redis.kill();
    phase = 'down';
    // Down long enough for a few answers of each kind, however loaded the machine is.
    const enough = (mode: Mode, key: string): boolean => answers.filter((answer) => answer.phase === 'down' && answer.mode === mode && answer.key === key).length >= 5;
    const downUntil = Date.now() + 15_000;
    await sleep(1_000);
    while (!(enough('open', 'rated') && enough('closed', 'rated') && enough('open', 'budgeted') && enough('closed', 'budgeted')) && Date.now() < downUntil) await sleep(100);
    const healthWhileDown = [await healthy('open'), await healthy('closed')];
    phase = 'up';
    await redis.restart();
    // Back when a budgeted request (which needs Redis, budgets failing closed) is served by both.
    const deadline = Date.now() + 10_000;
    for (const mode of ['open', 'closed'] as const) {
      while ((await ask(mode, 'budgeted')).status !== 200) {
        if (Date.now() > deadline) throw new Error(`${mode} gateway did not serve a budgeted request within 10 s of Redis restarting`);
        await sleep(100);
      }
    }
    phase = 'back';
    await sleep(500);
    running = false;
    await load;

    expect(failures).toEqual([]);
    expect(healthWhileDown).toEqual([200, 200]);
    const allowed = new Set(['200', '429 rate_limit_exceeded', '503 state_unavailable']);
    for (const answer of answers) expect(allowed.has(`${answer.status}${answer.code === undefined ? '' : ` ${answer.code}`}`)).toBe(true);
    const down = (mode: Mode, key: string, status: number): number => answers.filter((answer) => answer.phase === 'down' && answer.mode === mode && answer.key === key && answer.status === status).length;
    const report = {
      rateLimitsOpen: { served: down('open', 'rated', 200), refused429: down('open', 'rated', 429), refused503: down('open', 'rated', 503) },
      rateLimitsClosed: { served: down('closed', 'rated', 200), refused503: down('closed', 'rated', 503) },
      budgetsClosed: { served: down('open', 'budgeted', 200) + down('closed', 'budgeted', 200), refused503: down('open', 'budgeted', 503) + down('closed', 'budgeted', 503) },
    };
    console.log('while Redis was down:', JSON.stringify(report));
    // rate_limits open: served on the gateway's own counters; closed: 503. Budgets closed: 503 for the key with a budget.
    expect(report.rateLimitsOpen.served).toBeGreaterThan(0);
    expect(report.rateLimitsOpen.refused503).toBe(0);
    expect(report.rateLimitsClosed.served).toBe(0);
    expect(report.rateLimitsClosed.refused503).toBeGreaterThan(0);
    expect(report.budgetsClosed.served).toBe(0);
    expect(report.budgetsClosed.refused503).toBeGreaterThan(0);
    // Told once per outage, not per request.
    const told = (mode: Mode, concern: string): number => gateway(mode).lines.filter((line) => String(line['msg']).startsWith(`shared state: Redis cannot answer for ${concern}`)).length;
    expect([told('open', 'rate_limits'), told('closed', 'rate_limits'), told('open', 'budgets'), told('closed', 'budgets')]).toEqual([1, 1, 1, 1]);

    // Counted in Redis again: both gateways fill the key's one shared window of RPM, then refuse.
    const usage = (await (await fetch(`${gateway('closed').url}/v1/usage?key=rated`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { keys: { window: { requests: number } }[] };
    // The load after the restart may have filled the window already: then every request below is refused.
    const counted = usage.keys[0]?.window.requests ?? 0;
    const after: number[] = [];
    for (let index = 0; index < RPM - counted + 10; index++) after.push((await ask(index % 2 === 0 ? 'open' : 'closed', 'rated')).status);
    expect(after.filter((status) => status === 200)).toHaveLength(RPM - counted);
    expect(after.filter((status) => status === 429)).toHaveLength(10);

    // Redis restarted empty, and the gateways wrote back the spend of the store (every gateway's): the
    // month is not forgotten, nothing is counted twice. Short at most by what settled in Redis after the
    // restart but was not yet in the store when it was read (a few requests in flight).
    const spent = budgetedServed * COST_MICROS;
    const slack = 8 * COST_MICROS;
    const spentDeadline = Date.now() + 5_000;
    while ((await spentUsd()) * 1_000_000 < spent - slack && Date.now() < spentDeadline) await sleep(100);
    const spentAfter = Math.round((await spentUsd()) * 1_000_000);
    console.log(`budgeted key: ${budgetedServed} served, $${spent / 1_000_000} spent; Redis says $${spentAfter / 1_000_000} after its restart (before it: $${spentBefore})`);
    expect(spentAfter).toBeGreaterThanOrEqual(spent - slack);
    expect(spentAfter).toBeLessThanOrEqual(spent);

    for (const mode of ['open', 'closed'] as const) {
      expect(gateway(mode).child.exitCode).toBeNull();
      expect(await healthy(mode)).toBe(200);
    }
  }, 60_000);
});
