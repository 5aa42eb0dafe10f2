import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/run-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = join(ROOT, 'examples/embedding-routes/switchyard.yaml');
const LABELED = join(ROOT, 'examples/embedding-routes/labeled.jsonl');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), env: {}, cwd: ROOT };
  const code = await runCli(args, io);
  return { code, out, err };
}

describe('switchyard fit-routes', () => {
  it('reports precision, recall and the confusion matrix of the example routes, and thresholds to paste', async () => {
    const { code, out, err } = await run(['fit-routes', '--config', CONFIG, LABELED]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('encoder local-lexical-v1: 200 labelled prompts');
    expect(out).toMatch(/^factual\s+0\.1500\s+\d\.\d\d\s+\d\.\d\d/m);
    expect(out).toContain('label \\ routed  factual  creative  code  math  (none)');
    expect(out).toMatch(/^math: \d\.\d{4}$/m);
    // Seed 1 (the default) is a split where the fit does worse on the held-out prompts: it says so.
    expect(out).toContain('Routed right: 76.0% with the configured thresholds, 68.0% with the fitted ones.');
    expect(out).toContain('the fitted thresholds do worse than the configured ones');
  });

  it('measures on the held-out prompts, and the JSON says the same as the matrix', async () => {
    const { code, out } = await run(['fit-routes', '--config', CONFIG, LABELED, '--json', '--holdout', '0.5', '--seed', '3']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as {
      prompts: number;
      fittedOn: number;
      checkedOn: number;
      kept: boolean;
      configured: Record<string, number>;
      fitted: Record<string, number>;
      after: { matrix: number[][]; accuracy: number };
    };
    expect(result.prompts).toBe(200);
    expect(result.fittedOn + result.checkedOn).toBe(200);
    const total = result.after.matrix.flat().reduce((sum, count) => sum + count, 0);
    expect(total).toBe(result.checkedOn);
    const diagonal = result.after.matrix.reduce((sum, row, index) => sum + (row[index] ?? 0), 0);
    expect(result.after.accuracy).toBeCloseTo(diagonal / result.checkedOn, 10);
    if (!result.kept) expect(result.fitted).toEqual(result.configured);
  });

  it('rejects labels that name no route, listing the routes', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-fit-')), 'labels.jsonl');
    writeFileSync(file, '{"prompt": "hi", "route": "poetry"}\n');
    const { code, err } = await run(['fit-routes', '--config', CONFIG, file]);
    expect(code).toBe(2);
    expect(err).toContain('label poetry names no route of router "auto"; its routes: factual, creative, code, math, default');
  });

  it('names the file and line of a malformed label', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-fit-')), 'labels.jsonl');
    writeFileSync(file, '{"prompt": "hi", "route": "code"}\n{"prompt": "x"}\n');
    const { code, err } = await run(['fit-routes', '--config', CONFIG, file]);
    expect(code).toBe(1);
    expect(err).toContain(`${file}:2: route:`);
  });
});
