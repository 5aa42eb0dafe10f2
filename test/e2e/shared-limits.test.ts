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
 * Three `switchyard serve` processes (the built dist/: `npx tsc -p tsconfig.build.json`) on one
 * Redis and one key store, driven as a load balancer drives them (round robin, 16 at a time): a
 * key's rpm holds across the three exactly, and a budget is never overspent by more than the worst
 * cases in flight across all three (with holds in Redis: not at all).
 */

const ADMIN_KEY = 'admin-gateway-key-0123456789';
const CONCURRENCY = 16;
// Every answer reports 10 prompt and 100 completion tokens: at $1 and $2 per 1M, 210 micro-dollars.
const COST_MICROS = 10 * 1 + 100 * 2;
// The request's worst case: its prompt's UTF-8 bytes plus framing (6 tokens) at $1/M, max_tokens 100 at $2/M.
const PROMPT = 'hello';
const WORST_MICROS = PROMPT.length + 'user'.length + 6 + 100 * 2;
const BUDGET_USD = 0.05;

describe.skipIf(redisMissing !== undefined)('three gateways on one Redis share key limits', () => {
  let redis: RedisServer;
  let upstream: FakeUpstream;
  let dir: string;
  const gateways: ServeProcess[] = [];
  let next = 0;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    [redis, upstream] = await Promise.all([startRedis(), startFakeUpstream()]);
    upstream.respond(() => ({ type: 'completion', text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 100 } }));
    dir = mkdtempSync(join(tmpdir(), 'switchyard-shared-limits-'));
    const config = join(dir, 'switchyard.yaml');
    writeFileSync(
      config,
      `server:
  admin_keys: ["${ADMIN_KEY}"]
storage:
  path: "${join(dir, 'traces.db')}"
state:
  # A loaded test machine (2 cores, three gateways, 16 clients) may answer later than the default 100 ms.
  redis: { url: "${redis.url}", key_prefix: "sl:", timeout_ms: 2000 }
providers:
  up: { type: openai, base_url: "${upstream.url}", api_key: "sk-up-0123456789" }
models:
  small: { provider: up, model: small-wire, price: { input: 1, output: 2 } }
routers:
  auto: { default: small }
`,
    );
    // The keys, made with the CLI in the store every gateway reads (storage.path).
    for (const [name, limit] of [['rated', ['--rpm', '300']], ['budgeted', ['--budget', `${BUDGET_USD}/month`]]] as const) {
      let out = '';
      const io: CliIo = { out: (text) => (out += text), err: (text) => (out += text), env: {}, cwd: dir };
      expect(await keysCommand(['create', '--config', config, '--name', name, ...limit, '--json'], io)).toBe(0);
      secrets[name] = (JSON.parse(out) as { secret: string }).secret;
    }
    for (let index = 0; index < 3; index++) gateways.push(await spawnServe(config));
  }, 60_000);

  afterAll(async () => {
    for (const gateway of gateways) gateway.stop();
    await Promise.all(gateways.map((gateway) => gateway.exited));
    await Promise.all([redis?.stop(), upstream?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `count` requests with `secret`, round robin over the three, `CONCURRENCY` at a time: each answer's status and error code. */
  async function drive(secret: string, count: number): Promise<{ status: number; code: string | undefined }[]> {
    const answers: { status: number; code: string | undefined }[] = [];
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < count) {
        sent++;
        const gateway = gateways[next++ % gateways.length] as ServeProcess;
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'auto', max_tokens: 100, messages: [{ role: 'user', content: PROMPT }] }),
        });
        const body = (await response.json()) as { error?: { code?: string } };
        answers.push({ status: response.status, code: body.error?.code });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return answers;
  }

  /** Log lines of a gateway that served without Redis (none here: the counts above are the shared ones). */
  const fallbacks = (): unknown[] => gateways.flatMap((gateway) => gateway.lines.filter((line) => String(line['msg']).startsWith('shared state: Redis cannot answer')).map((line) => line['msg']));

  const tally = (answers: { status: number; code: string | undefined }[]): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const { status, code } of answers) counts[`${status}${code === undefined ? '' : ` ${code}`}`] = (counts[`${status}${code === undefined ? '' : ` ${code}`}`] ?? 0) + 1;
    return counts;
  };

  it('a key with rpm 300 gets exactly 300 answers of 900 requests spread over the three', async () => {
    const answers = await drive(secrets['rated'] as string, 900);
    expect(tally(answers)).toEqual({ '200': 300, '429 rate_limit_exceeded': 600 });
    expect(fallbacks()).toEqual([]);
  }, 60_000);

  it('a $0.05 budget is not overspent across the three: spend stays within the budget plus the worst cases in flight', async () => {
    const answers = await drive(secrets['budgeted'] as string, 320);
    const counts = tally(answers);
    const served = counts['200'] ?? 0;
    const spent = served * COST_MICROS;
    const budget = BUDGET_USD * 1_000_000;
    // The bound the issue asks for: at most the worst case of every request in flight across the three gateways.
    expect(spent).toBeLessThanOrEqual(budget + CONCURRENCY * WORST_MICROS);
    // Holds in Redis make it tighter: a request is let in only when its worst case fits beside every gateway's spend and holds.
    expect(spent).toBeLessThanOrEqual(budget);
    // And the budget is used: refusals start only once less than a worst case (plus the holds in flight) is left.
    expect(spent).toBeGreaterThan(budget - CONCURRENCY * WORST_MICROS - WORST_MICROS);
    expect(counts['429 budget_exceeded']).toBe(320 - served);
    expect(fallbacks()).toEqual([]);
    // Every gateway reports the shared figure (settles go to Redis in the background: give them a moment).
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const gateway of gateways) {
      const usage = (await (await fetch(`${gateway.url}/v1/usage?key=budgeted`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { keys: { budget: { spent_usd: number; reserved_usd: number } }[] };
      expect(usage.keys[0]?.budget).toMatchObject({ spent_usd: spent / 1_000_000, reserved_usd: 0 });
    }
    // Routed before admission (its rate check and budget hold one call to Redis): the Decision still shows the budget it found.
    const listed = (await (await fetch(`${gateways[0]?.url}/v1/traces?status=ok&limit=20`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { data: { caller?: { keyName?: string }; decision: { budget?: unknown } }[] };
    const budgeted = listed.data.find((trace) => trace.caller?.keyName === 'budgeted');
    expect(budgeted?.decision.budget).toMatchObject({ scope: 'key', limitUsd: BUDGET_USD, period: 'month' });
    console.log(`budget $${BUDGET_USD}: ${served} answered, spend $${spent / 1_000_000}, worst case per request $${WORST_MICROS / 1_000_000}`);
  }, 60_000);
});
