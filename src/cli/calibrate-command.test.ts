import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticPrompt } from '../../test/support/synthetic-prompts.js';
import { tinyRouterFile } from '../../test/support/tiny-router-file.js';
import type { CliIo } from './cli-io.js';
import { runCli } from './run-cli.js';

/**
 * `switchyard calibrate` as users read it: the promise, the guarantee in one sentence, what the
 * guarantee costs beside the point estimate, and exit code 3 when nothing is certified.
 */

let dir: string;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), env: {}, cwd: dir };
  const code = await runCli(args, io);
  return { code, out, err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-calibrate-cli-'));
  // Hard prompts: only the strong model is right; easy ones: both; every 23rd: neither.
  const router = tinyRouterFile(['strong', 'weak'], (model, hard) => (model === 'weak' && hard ? 0 : 1));
  const lines = Array.from({ length: 600 }, (_, index) => {
    const { prompt, hard } = syntheticPrompt(index);
    const none = index % 23 === 5;
    const scores = { strong: none ? 0 : 1, weak: none || hard ? 0 : 1 };
    return JSON.stringify({ id: `q${index}`, prompt, scores, costs: { strong: 0.01, weak: 0.001 } });
  });
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 'switchyard.yaml'),
    `providers:
  remote: { type: openai, base_url: "https://api.example.invalid/v1", api_key: "\${SOME_UNSET_VAR}" }
models:
  strong: { provider: remote, model: strong-wire, price: { input: 10, output: 30 } }
  weak: { provider: remote, model: weak-wire, price: { input: 0.5, output: 1 } }
routers:
  learned:
    reference: strong
    classifier: { type: trained, path: ${JSON.stringify(router)} }
    default: { strong_weak: { strong: strong, weak: weak, threshold: 0.2 } }
`,
  );
});

const ARGS = ['calibrate', '--config', 'switchyard.yaml', 'data.jsonl'];

type CalibrationJson = { certified: boolean; confidence: number; guarantee?: string; value: number; calibration: { examples: number }; pointEstimate?: { value: number; cost: number } };

describe('switchyard calibrate', () => {
  it('prints the promise, the guarantee in one sentence, and the point estimate it costs more than', async () => {
    const { code, out } = await run([...ARGS, '--target-quality', '0.9']);
    expect(code).toBe(0);
    const json = JSON.parse((await run([...ARGS, '--target-quality', '0.9', '--json'])).out) as CalibrationJson;
    const n = json.calibration.examples;
    expect(json.certified).toBe(true);
    expect(json.confidence).toBe(0.95);
    expect(out).toContain(`threshold = ${json.value}: certified for 90% of strong's quality with 95% confidence on ${n} prompts`);
    const sentence = `With probability at least 95% over the draw of the ${n} calibration prompts, the mean quality of threshold ${json.value} on new prompts from the same distribution is at least 90% of strong's.`;
    expect(json.guarantee).toBe(sentence);
    expect(out).toContain(`  ${sentence}\n`);
    expect(out).toMatch(/on \d+ held-back prompts: quality [\d.]+ \[95% CI [\d.]+-[\d.]+\].*, target met/);
    expect(out).toMatch(/^ {8}threshold: [\d.-]+$/m);
    if (json.pointEstimate && json.pointEstimate.value !== json.value) expect(out).toContain(`the calibration mean alone (no guarantee) would pick ${json.pointEstimate.value}`);
  });

  it('takes --confidence, and rejects one outside 0.5..0.999', async () => {
    const json = JSON.parse((await run([...ARGS, '--min-quality', '0.8', '--confidence', '0.8', '--json'])).out) as CalibrationJson;
    expect(json.confidence).toBe(0.8);
    expect(json.guarantee).toMatch(/^With probability at least 80% over the draw of the \d+ calibration prompts, the mean quality of threshold [\d.-]+ on new prompts from the same distribution is at least 0\.8\.$/);
    const bad = await run([...ARGS, '--min-quality', '0.8', '--confidence', '1']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--confidence expects a number from 0.5 to 0.999, got "1"');
  });

  it('exits 3 and says so when no value is certified', async () => {
    // Every 23rd prompt fails on both models: quality 0.96 at best, short of 0.99 however the calibration half falls.
    const { code, out } = await run([...ARGS, '--min-quality', '0.99']);
    expect(code).toBe(3);
    expect(out).toMatch(/^threshold = [\d.-]+: NOT certified/);
    expect(out).toMatch(/no setting is certified at quality 0\.99 with 95% confidence on \d+ prompts; the best reaches quality 0\.9\d+, \$[\d.]+ per 1k/);
    const json = JSON.parse((await run([...ARGS, '--min-quality', '0.99', '--json'])).out) as CalibrationJson;
    expect(json.certified).toBe(false);
    expect(json.guarantee).toBeUndefined();
    // A share of the reference says how far the best value gets, as a share too.
    const share = await run([...ARGS, '--target-quality', '1.01']);
    expect(share.code).toBe(3);
    expect(share.out).toMatch(/no setting is certified at 101% of strong's quality with 95% confidence on \d+ prompts; the best reaches quality [\d.]+, \$[\d.]+ per 1k \(100% of the reference's\)/);
    // Reached on the held-back prompts, but too close to certify on 299: still exit 3, a promise needs the certificate.
    const close = await run([...ARGS, '--min-quality', '0.95']);
    expect(close.out).toMatch(/^threshold = [\d.-]+: NOT certified/);
    expect(close.out).toContain(', target met');
    expect(close.code).toBe(3);
  });

  it('certifies a budget on cost, naming the cost ceiling it assumes', async () => {
    const { code, out } = await run([...ARGS, '--budget-per-1k', '6']);
    expect(code).toBe(0);
    expect(out).toContain('certified for at most $6 per 1k requests with 95% confidence');
    expect(out).toMatch(/the mean cost of threshold [\d.-]+ on new prompts from the same distribution is at most \$6 per 1k requests \(assuming no request costs more than \$0\.01, the dearest in the data\)\./);
  });
});
