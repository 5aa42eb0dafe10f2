import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startBudgetGateway, type BudgetGateway } from '../support/start-budget-gateway.js';

const REQUESTS = 2_000;
const CONCURRENCY = 64;
const KEYS = 20;

let upstream: FakeUpstream;
let running: BudgetGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-spend-load-')), 'traces.db');
  running = await startBudgetGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 100000, min_requests: 100000 } }
models:
  pricey: { provider: fake, model: pricey-wire, price: { input: 10, output: 40 }, context_window: 128000 }
teams:
  even: { budget: 1/day, rpm: 100000 }
storage:
  path: "${path}"
`);
});

afterAll(async () => {
  await running.running.close();
  await upstream.close();
});

it('counts every settled cent exactly once under load: per key, trace costs equal recorded spend to the micro-dollar', { timeout: 60_000 }, async () => {
  // Half the keys have budgets that run out during the run (about 25 answers of ~$0.0003 to $0.0004 each), the others large ones; all have rate limits that do not bind.
  const keys = Array.from({ length: KEYS }, (_, index) => {
    const issued = running.keys.create({ name: `load-${index}`, team: index % 2 === 0 ? 'even' : 'odd', limits: { budget: { usd: index < KEYS / 2 ? 0.01 : 1, period: 'day' }, rpm: 100_000, tpm: 10_000_000 } });
    return { id: issued.key.id, team: issued.key.team, client: new OpenAI({ baseURL: `${running.running.url}/v1`, apiKey: issued.secret, maxRetries: 0 }), answered: 0, refused: 0 };
  });
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < REQUESTS) {
      const index = next++;
      const key = keys[index % KEYS] as (typeof keys)[number];
      try {
        // The fake's usage varies with the prompt's length: so do the costs.
        await key.client.chat.completions.create({ model: 'pricey', max_tokens: 20, messages: [{ role: 'user', content: `request ${index} ${'x'.repeat(index % 13)}` }] });
        key.answered++;
      } catch (error) {
        if ((error as { code?: string }).code === 'budget_exceeded') key.refused++;
        else failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  expect(failures).toEqual([]);
  expect(keys.reduce((sum, key) => sum + key.answered + key.refused, 0)).toBe(REQUESTS);
  expect(keys.slice(0, KEYS / 2).every((key) => key.refused > 0)).toBe(true);

  expect(await running.store.flush(10_000)).toBe(true);
  const db = running.store.db;
  const traced = db.prepare('SELECT key_id AS keyId, COUNT(*) AS count, SUM(CAST(ROUND(cost_usd * 1000000) AS INTEGER)) AS micros FROM traces WHERE key_id IS NOT NULL AND cost_usd IS NOT NULL GROUP BY key_id');
  const byKey = new Map((traced.all() as { keyId: string; count: number; micros: number }[]).map((row) => [row.keyId, row]));
  const stored = new Map((db.prepare("SELECT id, SUM(micro_usd) AS micros FROM spend WHERE scope = 'key' GROUP BY id").all() as { id: string; micros: number }[]).map((row) => [row.id, row.micros]));
  for (const key of keys) {
    const row = byKey.get(key.id);
    // Every answer traced once with its cost, nothing more.
    expect(row?.count).toBe(key.answered);
    expect(running.ledger.spentMicros('key', key.id, 'day')).toBe(row?.micros);
    expect(stored.get(key.id)).toBe(row?.micros);
  }
  for (const key of keys.slice(0, KEYS / 2)) expect(byKey.get(key.id)?.micros).toBeLessThanOrEqual(10_000);
  for (const team of ['even', 'odd']) {
    const sum = keys.filter((key) => key.team === team).reduce((total, key) => total + (byKey.get(key.id)?.micros ?? 0), 0);
    expect(running.ledger.spentMicros('team', team, 'day')).toBe(sum);
  }
});
