import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startServer } from '../../src/server/create-server.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { parseScoredData } from '../../src/learning/scored-data.js';
import { DEFAULT_FEATURES, DEFAULT_LOGISTIC, trainRouter } from '../../src/learning/train-router.js';
import { trainedRouterVersion } from '../../src/learning/trained-router.js';
import type { Trace } from '../../src/spec/trace.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { startGateway } from '../support/start-gateway.js';
import { syntheticPrompt } from '../support/synthetic-prompts.js';

/**
 * `switchyard retrain` on a real trace store written by a real gateway and scored as shadow
 * evaluation scores it (judge feedback per model): a candidate trained on the base data plus the
 * older traffic is compared with the current file on the newest traffic, and written over the file
 * only when it is better at no higher cost.
 */

const RETENTION = { maxAgeMs: 365 * 86_400_000, maxRows: 100_000 };
const TRAFFIC = 200;

/** Base data (the old world): the weak model fails easy prompts and passes hard ones, so the current file sends easy prompts to the strong model and hard ones to the weak. */
const OLD_WORLD = (model: string, hard: boolean): number => (model === 'strong' ? 1 : hard ? 1 : 0);
/** The traffic (the world now): the weak model passes easy prompts and fails hard ones. */
const NEW_WORLD = (model: string, hard: boolean): number => (model === 'strong' ? 1 : hard ? 0 : 1);

let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});

afterAll(async () => {
  await upstream?.close();
});

type Setup = { dir: string; config: string; file: string; bytes: Buffer };

/** Base data where both models pass everything: the current file sends every prompt to the weak model. */
const NO_DIFFERENCE = (): number => 1;

/** A directory with the base data scored by `world`, the current router file trained on it, and a config whose router uses it. */
function setup(world: (model: string, hard: boolean) => number = OLD_WORLD): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-retrain-'));
  const base = Array.from({ length: 60 }, (_, id) => {
    const { prompt, hard } = syntheticPrompt(10_000 + id);
    return JSON.stringify({ id: `base-${id}`, prompt, scores: { strong: world('strong', hard), weak: world('weak', hard) } });
  }).join('\n');
  writeFileSync(join(dir, 'base.jsonl'), `${base}\n`);
  const { router } = trainRouter(parseScoredData(base, 'base.jsonl'), {
    rename: new Map(),
    models: ['strong', 'weak'],
    seed: 1,
    holdout: 0,
    features: DEFAULT_FEATURES,
    logistic: DEFAULT_LOGISTIC,
    dataName: join(dir, 'base.jsonl'),
  });
  const file = join(dir, 'router.json');
  writeFileSync(file, `${JSON.stringify(router.toJSON())}\n`);
  const config = join(dir, 'switchyard.yaml');
  writeFileSync(
    config,
    `
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  weak:   { provider: fake, model: weak-wire,   price: { input: 0.15, output: 0.6 } }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 } }
storage: { path: ${JSON.stringify(join(dir, 'traces.db'))}, store_prompts: true }
routers:
  learned:
    reference: strong
    classifier: { type: trained, path: ${JSON.stringify(file)} }
    default: { strong_weak: { strong: strong, weak: weak, threshold: 0.3 } }
`,
  );
  return { dir, config, file, bytes: readFileSync(file) };
}

/** Serves `TRAFFIC` requests (3 easy to 2 hard) through a real gateway into the store, then scores each trace for both models as a judge would. */
async function serveAndScore(setup: Setup, score: (model: string, hard: boolean, index: number) => number): Promise<void> {
  const gateway = await startGateway(readFileSync(setup.config, 'utf8'), {}, { store: true });
  const sent: { id: string; hard: boolean }[] = [];
  try {
    for (let index = 0; index < TRAFFIC; index++) {
      const hard = index % 5 < 2;
      const { prompt } = syntheticPrompt(hard ? 2 * index : 2 * index + 1);
      const response = await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'learned', messages: [{ role: 'user', content: prompt }] }) });
      expect(response.status).toBe(200);
      sent.push({ id: response.headers.get('x-switchyard-trace-id') as string, hard });
    }
  } finally {
    await gateway.close();
  }
  const store = SqliteTraceStore.open({ path: join(setup.dir, 'traces.db'), retention: RETENTION, batchMs: 5 });
  try {
    for (const [index, { id, hard }] of sent.entries()) {
      for (const model of ['strong', 'weak']) {
        const written = await store.addFeedback({ traceId: id, score: score(model, hard, index), judged: { model, judgeModel: 'judge', costUsd: undefined, position: 1 } });
        expect(written).toBeDefined();
      }
    }
  } finally {
    await store.close();
  }
}

async function retrainCli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text), env: {}, cwd };
  const code = await runCli(['retrain', ...args], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('switchyard retrain', () => {
  it('promotes a candidate that fixes the cheap choice failing on recent traffic, at lower cost, and the reloaded gateway names its version', async () => {
    const at = setup();
    await serveAndScore(at, (model, hard) => NEW_WORLD(model, hard));
    const { code, out } = await retrainCli(['--config', at.config, '--router', 'learned', '--json'], at.dir);
    expect(code, out).toBe(0);
    const report = JSON.parse(out) as {
      promote: boolean;
      written: boolean;
      heldBack: number;
      trained: { base: number; store: number };
      current: { version: string; quality: number; costPer1k: number };
      candidate: { version: string; quality: number; costPer1k: number };
      quality: { mean: number; low: number; high: number };
    };
    // The newest 20% is held back; the rest joins the base data.
    expect(report).toMatchObject({ promote: true, written: true, heldBack: 40, trained: { base: 60, store: 160 } });
    expect(report.current.version).toBe(trainedRouterVersion(at.bytes));
    expect(report.quality.low).toBeGreaterThan(0);
    expect(report.candidate.quality).toBeGreaterThan(report.current.quality);
    expect(report.candidate.costPer1k).toBeLessThanOrEqual(report.current.costPer1k);
    const promoted = readFileSync(at.file);
    expect(trainedRouterVersion(promoted)).toBe(report.candidate.version);
    expect(readFileSync(`${at.file}.previous`).equals(at.bytes)).toBe(true);

    // A gateway started on the config now decides with the candidate and says so.
    const gateway = await startGateway(readFileSync(at.config, 'utf8'));
    try {
      const { prompt } = syntheticPrompt(0);
      const answer = await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'learned', messages: [{ role: 'user', content: prompt }] }) });
      const trace = (await (await fetch(`${gateway.baseURL}/traces/${answer.headers.get('x-switchyard-trace-id')}`)).json()) as Trace;
      expect(trace.decision.prediction?.classifierVersion).toBe(report.candidate.version);
      expect(trace.model).toBe('strong');
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it('closes the loop with shadow evaluation: a scripted judge scores live traffic in the store, and retrain promotes the candidate', async () => {
    const at = setup();
    // The served router shadows every request with the other model; the judge (a scripted model) fails the weak model's answer to a hard prompt.
    writeFileSync(
      at.config,
      readFileSync(at.config, 'utf8')
        .replace('  strong: { provider: fake', '  judge:  { provider: fake, model: judge-wire, price: { input: 0.5, output: 1 } }\n  strong: { provider: fake')
        .concat('    shadow: { sample: 1, models: [strong, weak], judge: { model: judge }, budget_usd_per_day: 100, max_concurrent: 4 }\n'),
    );
    const hardPrompts = new Set<string>();
    upstream.respond((request: RecordedRequest) => {
      const wire = String(request.body?.['model']);
      if (wire !== 'judge-wire') return { type: 'completion', text: `Reply from ${wire}.` };
      const prompt = String((request.body?.['messages'] as { content: string }[])[1]?.content);
      const request_ = /The user's request:\n<<<\n([\s\S]*?)\n>>>/.exec(prompt)?.[1] ?? '';
      const weakIsA = /Answer A:\n<<<\nReply from weak-wire/.test(prompt);
      const weakScore = hardPrompts.has(request_) ? 0 : 10;
      return { type: 'completion', text: JSON.stringify({ a: weakIsA ? weakScore : 10, b: weakIsA ? 10 : weakScore, reason: 'scripted' }) };
    });
    const parsed = parseConfig(readFileSync(at.config, 'utf8'), at.config, { env: {} });
    const store = SqliteTraceStore.open({ path: parsed.storage.path, retention: RETENTION, batchMs: 5 });
    const gateway = await Gateway.create(parsed, { store });
    const server = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
    try {
      for (let index = 0; index < TRAFFIC; index++) {
        const hard = index % 5 < 2;
        const { prompt } = syntheticPrompt(hard ? 2 * index : 2 * index + 1);
        if (hard) hardPrompts.add(prompt);
        const response = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'learned', messages: [{ role: 'user', content: prompt }] }) });
        expect(response.status).toBe(200);
        // One request's jobs at a time: a loaded machine would otherwise fill the shadow's queue and drop some (counted, not judged).
        await gateway.shadow?.idle();
      }
      // Each request's judgement lands after its answer: wait for all of them.
      const deadline = Date.now() + 15_000;
      const judged = (): number => [...store.withFeedback({})].length;
      while (judged() < TRAFFIC && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(judged()).toBe(TRAFFIC);
    } finally {
      // Closing the server retires the gateway, which closes its trace store.
      await server.close({ graceMs: 1000 });
      upstream.respond((request: RecordedRequest) => ({ type: 'completion', text: `Reply from ${String(request.body?.['model'])}.` }));
    }
    const { code, out } = await retrainCli(['--config', at.config, '--router', 'learned'], at.dir);
    expect(code, out).toBe(0);
    expect(out).toContain('Promoted: wrote the candidate');
    expect(readFileSync(`${at.file}.previous`).equals(at.bytes)).toBe(true);
  }, 60_000);

  it('with --dry-run reports the same verdict and writes nothing', async () => {
    const at = setup();
    await serveAndScore(at, (model, hard) => NEW_WORLD(model, hard));
    const { code, out } = await retrainCli(['--config', at.config, '--router', 'learned', '--dry-run'], at.dir);
    expect(code, out).toBe(0);
    expect(out).toContain('Would promote (--dry-run: nothing written)');
    expect(out).toMatch(/difference: quality 0\.\d{4} \[95% CI 0\.\d{4} to /);
    expect(readFileSync(at.file).equals(at.bytes)).toBe(true);
    expect(existsSync(`${at.file}.previous`)).toBe(false);
  }, 30_000);

  it('does not promote when the traffic has no signal, and leaves the file untouched', async () => {
    const at = setup();
    const coin = seededRandom(7);
    // Each request scored by a coin flip per model, whatever the prompt.
    await serveAndScore(at, () => (coin() < 0.5 ? 1 : 0));
    const { code, out } = await retrainCli(['--config', at.config, '--router', 'learned', '--data', join(at.dir, 'base.jsonl')], at.dir);
    expect(code, out).toBe(3);
    expect(out).toContain('quality is not surely higher');
    expect(out).toContain(`Not promoted: ${at.file} is unchanged`);
    expect(readFileSync(at.file).equals(at.bytes)).toBe(true);
    expect(existsSync(`${at.file}.previous`)).toBe(false);
  }, 30_000);

  it('does not promote a better candidate that costs more', async () => {
    const at = setup(NO_DIFFERENCE);
    await serveAndScore(at, (model, hard) => NEW_WORLD(model, hard));
    const { code, out } = await retrainCli(['--config', at.config, '--router', 'learned', '--cost-tolerance', '0.5'], at.dir);
    expect(code, out).toBe(3);
    expect(out).toContain('quality is higher');
    expect(out).toContain('(more than 50% above)');
    expect(readFileSync(at.file).equals(at.bytes)).toBe(true);
  }, 30_000);

  it('reports usage errors with exit code 2', async () => {
    const at = setup();
    const cases: [string[], string][] = [
      [['--config', at.config, '--recent', '2'], '--recent'],
      [['--config', at.config, 'data.jsonl'], 'unexpected argument "data.jsonl"'],
      [['--config', at.config, '--cost-tolerance', '5'], '--cost-tolerance'],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await retrainCli(args, at.dir);
      expect(code, err).toBe(2);
      expect(err).toContain(message);
      expect(err).toContain('Usage: switchyard retrain');
    }
    // Without --data, the file's training record must name data beside it.
    writeFileSync(at.file, readFileSync(at.file, 'utf8').replace('"data":"base.jsonl"', '"data":"elsewhere.jsonl"'));
    const missing = await retrainCli(['--config', at.config], at.dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing --data BASE.jsonl: the data its training record names (elsewhere.jsonl) is not next to');
  });
});
