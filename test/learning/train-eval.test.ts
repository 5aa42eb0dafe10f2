import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/run-cli.js';
import type { EvalReport } from '../../src/evaluation/eval-report.js';
import { inHoldout } from '../../src/learning/scored-data.js';
import { syntheticPrompt } from '../support/synthetic-prompts.js';
import { TRAINED_ROUTER_FORMAT, TRAINED_ROUTER_VERSION, TrainedRouter, type TrainingRecord } from '../../src/learning/trained-router.js';

/**
 * Learned routing end to end through the CLI (in-process): `train` on synthetic scored data where
 * only "hard" prompts (proofs, integrals, multi-step derivations) need the strong model, then
 * `eval` and `calibrate` of a strong_weak router that loads the trained file.
 */

const BIG = 'big-model';
const SMALL = 'small-model';
const COST = { [BIG]: 0.01, [SMALL]: 0.001 } as const;

type Line = { id: string; prompt: string; scores: Record<string, number>; costs: Record<string, number>; contaminated?: boolean };

/**
 * 400 prompts, half hard (the small model fails, the big one succeeds) and half easy (both
 * succeed); every 23rd both fail (so no policy reaches quality 1); every 40th is contaminated.
 */
function syntheticData(): Line[] {
  const lines: Line[] = [];
  for (let i = 0; i < 400; i++) {
    const { prompt, hard } = syntheticPrompt(i);
    let big = 1;
    let small = hard ? 0 : 1;
    if (i % 23 === 5) big = small = 0;
    const line: Line = { id: `q${i}`, prompt, scores: { [BIG]: big, [SMALL]: small }, costs: { ...COST } };
    if (i % 40 === 7) line.contaminated = true;
    lines.push(line);
  }
  return lines;
}

const DATA = syntheticData();
const CLEAN = DATA.filter((line) => line.contaminated !== true);
const MAP = ['--map', `${BIG}=strong`, '--map', `${SMALL}=weak`];

/** A strong_weak router over two models whose provider is disabled (its key variable is unset). */
const CONFIG = `providers:
  remote: { type: openai, base_url: "https://api.example.invalid/v1", api_key: "\${SOME_UNSET_VAR}" }
models:
  strong: { provider: remote, model: strong-wire, price: { input: 10, output: 30 }, context_window: 128000 }
  weak: { provider: remote, model: weak-wire, price: { input: 0.5, output: 1 }, context_window: 128000 }
routers:
  learned:
    reference: strong
    classifier: { type: trained, path: ./r.json }
    default: { strong_weak: { strong: strong, weak: weak, threshold: 0.2 } }
`;

let dir: string;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  // No environment: the config's provider key variable is unset, so its provider is disabled.
  const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), env: {}, cwd: dir };
  const code = await runCli(args, io);
  return { code, out, err };
}

/** A router file's text. */
function fileText(file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

let training: TrainingRecord & { out: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-learning-'));
  writeFileSync(join(dir, 'data.jsonl'), DATA.map((line) => JSON.stringify(line)).join('\n') + '\n');
  const trained = await run(['train', 'data.jsonl', '--out', 'r.json', '--seed', '3', ...MAP, '--json']);
  expect(trained.err).toBe('');
  expect(trained.code).toBe(0);
  training = JSON.parse(trained.out) as TrainingRecord & { out: string };
  writeFileSync(join(dir, 'switchyard.yaml'), CONFIG);
});

describe('switchyard train', () => {
  it('writes the same router for the same data and seed, and another for another seed', async () => {
    for (const [file, seed] of [
      ['a.json', '3'],
      ['b.json', '3'],
      ['c.json', '4'],
    ] as const) {
      const result = await run(['train', 'data.jsonl', '--out', file, '--seed', seed]);
      expect(result.code).toBe(0);
      expect(result.out).toContain(`wrote ${join(dir, file)}`);
    }
    expect(fileText('a.json')).toBe(fileText('b.json'));
    expect(fileText('c.json')).not.toBe(fileText('a.json'));
    // Not only the recorded seed: the fitted weights differ too.
    const weights = (file: string): unknown => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { models: unknown }).models;
    expect(weights('c.json')).not.toEqual(weights('a.json'));

    const raw = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as Record<string, unknown>;
    expect(raw['format']).toBe(TRAINED_ROUTER_FORMAT);
    expect(raw['version']).toBe(TRAINED_ROUTER_VERSION);
    const router = TrainedRouter.load(join(dir, 'a.json'));
    expect(router.models).toEqual([BIG, SMALL]);
    expect(router.training).toMatchObject({ data: 'data.jsonl', seed: 3, holdoutFraction: 0.2 });
    // The file predicts what it learnt: a proof needs the big model, a greeting does not.
    const [bigOnHard, smallOnHard] = router.predict('Prove that the integral of a polynomial converges; derive it step by step and justify each step.');
    const [, smallOnEasy] = router.predict('What is the capital of Austria?');
    expect((bigOnHard as number) - (smallOnHard as number)).toBeGreaterThan(0.5);
    expect(smallOnEasy as number).toBeGreaterThan(0.8);
  });

  // The file once embedded the wall-clock training time, so a slower run wrote other bytes.
  it('writes byte-identical files for the same data and seed, however long training takes', async () => {
    let clock = 0;
    let step = 10;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (clock += step));
    try {
      expect((await run(['train', 'data.jsonl', '--out', 'fast.json', '--seed', '3'])).code).toBe(0);
      step = 700;
      expect((await run(['train', 'data.jsonl', '--out', 'slow.json', '--seed', '3'])).code).toBe(0);
    } finally {
      now.mockRestore();
    }
    expect(readFileSync(join(dir, 'slow.json'), 'utf8')).toBe(readFileSync(join(dir, 'fast.json'), 'utf8'));
  });

  it('reports on the held-out examples: AUC of the weak model and two-model APGR', () => {
    const held = CLEAN.filter((line) => inHoldout(line.id, 0.2, 3));
    expect(training.out).toBe(join(dir, 'r.json'));
    expect(training.examples).toBe(CLEAN.length - held.length);
    const holdout = training.holdout;
    expect(holdout?.examples).toBe(held.length);
    expect(holdout?.models['weak']?.auc).toBeGreaterThan(0.8);
    expect(holdout?.models['weak']?.meanScore).toBeCloseTo(held.reduce((sum, line) => sum + (line.scores[SMALL] as number), 0) / held.length, 12);
    expect(holdout?.twoModel).toMatchObject({ strong: 'strong', weak: 'weak' });
    expect(holdout?.twoModel?.apgr).toBeGreaterThan(0.6);
    // The file keeps the same record.
    expect(TrainedRouter.load(join(dir, 'r.json')).training?.holdout).toEqual(holdout);
  });

  it('prints the held-out report as a table', async () => {
    const { code, out } = await run(['train', 'data.jsonl', '--out', 'table.json', '--seed', '3']);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`Trained a router for 2 models on ${training.examples} examples`));
    expect(out).toContain(`On ${training.holdout?.examples} held-out examples:`);
    expect(out).toMatch(/Routing small-model -> big-model on the predicted gain: APGR 0\.[6-9]\d\d/);
  });

  it('--map names data models as catalog models in the file, without changing the weights', async () => {
    expect((await run(['train', 'data.jsonl', '--out', 'plain.json', '--seed', '3'])).code).toBe(0);
    const mapped = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { models: { name: string }[] };
    const plain = JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8')) as { models: { name: string }[] };
    expect(TrainedRouter.load(join(dir, 'r.json')).models).toEqual(['strong', 'weak']);
    expect(mapped.models.map((model) => ({ ...model, name: '' }))).toEqual(plain.models.map((model) => ({ ...model, name: '' })));
  });
});

describe('switchyard eval', () => {
  const evalArgs = ['eval', '--config', 'switchyard.yaml', 'data.jsonl', ...MAP];

  it('reports the router offline, with the provider disabled: APGR, shares, savings', async () => {
    const { code, out, err } = await run([...evalArgs, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as EvalReport;
    expect(report.router).toBe('learned');
    expect(report.examples).toBe(CLEAN.length);
    expect(report.unrouted).toBe(0);
    expect(report.costSource).toBe('data');
    expect(report.twoModel).toMatchObject({ strong: 'strong', weak: 'weak', scoreKind: 'predicted_gain' });
    expect(report.twoModel?.apgr).toBeGreaterThan(0.6);

    const shares = Object.fromEntries(report.models.map((model) => [model.model, model.share]));
    expect(Object.keys(shares).sort()).toEqual(['strong', 'weak']);
    expect((shares['strong'] as number) + (shares['weak'] as number)).toBeCloseTo(1, 12);
    // Half the prompts are hard: a working router sends about half to the strong model.
    expect(shares['strong']).toBeGreaterThan(0.4);
    expect(shares['strong']).toBeLessThan(0.6);
    expect(report.result.cost).toBeCloseTo((shares['strong'] as number) * COST[BIG] + (shares['weak'] as number) * COST[SMALL], 12);
    expect(report.result.costPer1k).toBeCloseTo(report.result.cost * 1000, 9);

    expect(report.reference?.model).toBe('strong');
    expect(report.reference?.cost).toBeCloseTo(COST[BIG], 12);
    expect(report.reference?.savings).toBeCloseTo(1 - report.result.cost / COST[BIG], 12);
    expect(report.reference?.qualityKept).toBeCloseTo(report.result.quality / (report.reference?.quality ?? NaN), 12);
    const alwaysWeak = CLEAN.reduce((sum, line) => sum + (line.scores[SMALL] as number), 0) / CLEAN.length;
    expect(report.baselines.single.find((model) => model.model === 'weak')?.quality).toBeCloseTo(alwaysWeak, 12);
    expect(report.result.quality).toBeGreaterThan(alwaysWeak + 0.3);
    // Trained on this very file and no --holdout: a note says so, on stderr.
    expect(err).toMatch(/note: router "learned"'s classifier was trained on data\.jsonl/);
    expect(err).toContain('--holdout 0.2 --seed 3');
  });

  it('--decisions writes one line per clean prompt, enough to recompute the quality', async () => {
    const { code, out } = await run([...evalArgs, '--json', '--decisions', 'decisions.jsonl']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as EvalReport;
    const lines = readFileSync(join(dir, 'decisions.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; model: string; data_model: string; score: number; predicted: Record<string, number>; quality: number; cost: number });
    expect(lines).toHaveLength(report.examples);
    expect(lines.map((line) => line.id)).toEqual(CLEAN.map((line) => line.id));
    const byId = new Map(CLEAN.map((line) => [line.id, line]));
    let quality = 0;
    for (const line of lines) {
      expect(['strong', 'weak']).toContain(line.model);
      expect(line.data_model).toBe(line.model === 'strong' ? BIG : SMALL);
      // The score is the predicted gain the threshold (0.2) was compared with.
      expect(line.score).toBeCloseTo((line.predicted['strong'] as number) - (line.predicted['weak'] as number), 3);
      expect(line.model).toBe(line.score >= 0.2 ? 'strong' : 'weak');
      expect(line.quality).toBe(byId.get(line.id)?.scores[line.data_model]);
      expect(line.cost).toBe(byId.get(line.id)?.costs[line.data_model]);
      quality += line.quality;
    }
    expect(quality / lines.length).toBeCloseTo(report.result.quality, 12);
  });

  it('--plot writes an SVG of the cost-quality plot', async () => {
    const { code } = await run([...evalArgs, '--plot', 'plot.svg']);
    expect(code).toBe(0);
    const svg = readFileSync(join(dir, 'plot.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('data-series="router" data-label="learned"');
    expect(svg).toContain('strong_weak sweep');
  });

  it('--holdout 0.2 --seed 3 evaluates only the examples training held out, without the note', async () => {
    const { code, out, err } = await run([...evalArgs, '--json', '--holdout', '0.2', '--seed', '3']);
    expect(code).toBe(0);
    expect(err).toBe('');
    const report = JSON.parse(out) as EvalReport;
    expect(report.examples).toBe(training.holdout?.examples);
    expect(report.examples).toBeLessThan(CLEAN.length);
    expect(report.contaminated).toBe(DATA.filter((line) => line.contaminated === true && inHoldout(line.id, 0.2, 3)).length);
    expect(report.twoModel?.apgr).toBeGreaterThan(0.6);
  });

  it('excludes contaminated lines and reports how many', async () => {
    const contaminated = DATA.filter((line) => line.contaminated === true);
    expect(contaminated.length).toBe(10);
    const json = JSON.parse((await run([...evalArgs, '--json'])).out) as EvalReport;
    expect(json.contaminated).toBe(contaminated.length);
    expect(json.examples).toBe(DATA.length - contaminated.length);
    const text = await run(evalArgs);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`Router "learned" on ${CLEAN.length} prompts (10 contaminated excluded)`);
    expect(text.out).toMatch(/Two models \(weak -> strong\), score = predicted gain: APGR 0\.[6-9]/);
  });
});

describe('switchyard calibrate', () => {
  const calibrateArgs = ['calibrate', '--config', 'switchyard.yaml', 'data.jsonl', ...MAP];

  it('prints the threshold that meets a reachable target, as a config fragment, and exits 0', async () => {
    const text = await run([...calibrateArgs, '--min-quality', '0.9']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('target met');
    expect(text.out).toMatch(/^ {8}threshold: [\d.]+$/m);

    const json = await run([...calibrateArgs, '--min-quality', '0.9', '--json']);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.out) as { value: number; parameter: string; fragment: string; calibration: { quality: number; met: boolean }; check: { met: boolean } };
    expect(result.parameter).toBe('threshold');
    expect(result.calibration.met).toBe(true);
    expect(result.calibration.quality).toBeGreaterThanOrEqual(0.9);
    expect(result.check.met).toBe(true);
    expect(parseYaml(result.fragment)).toEqual({ routers: { learned: { default: { strong_weak: { strong: 'strong', weak: 'weak', threshold: result.value } } } } });
    // Meeting 0.9 needs most hard prompts on the strong model, but not the easy ones.
    expect(result.value).toBeGreaterThan(0);
    expect(result.value).toBeLessThan(1);
  });

  it('exits 3 when the target cannot be met (no policy reaches quality 1 on this data)', async () => {
    const { code, out } = await run([...calibrateArgs, '--min-quality', '1']);
    expect(code).toBe(3);
    expect(out).toContain('target not reachable');
    expect(out).toContain('target NOT met');
    expect(out).toContain('threshold:');
  });

  type CalibrationJson = { value: number; fragment: string; calibration: { examples: number; quality: number; cost: number; met: boolean } };

  /** The prompts calibrate chose on: with the default --split 0.5 and seed 1, those not in `inHoldout(id, 0.5, 1 + 1)`. */
  const calibrationPrompts = (): Line[] => CLEAN.filter((line) => !inHoldout(line.id, 0.5, 2));

  /** Evaluates the router with `threshold` written into the config, on the calibration prompts only. */
  async function evalAtThreshold(threshold: number): Promise<EvalReport> {
    writeFileSync(join(dir, 'calibration.jsonl'), calibrationPrompts().map((line) => JSON.stringify(line)).join('\n') + '\n');
    writeFileSync(join(dir, 'calibrated.yaml'), CONFIG.replace('threshold: 0.2', `threshold: ${threshold}`));
    const { code, out } = await run(['eval', '--config', 'calibrated.yaml', 'calibration.jsonl', ...MAP, '--json']);
    expect(code).toBe(0);
    return JSON.parse(out) as EvalReport;
  }

  it('calibrates on the prompts outside its check split (what the next test relies on)', async () => {
    const result = JSON.parse((await run([...calibrateArgs, '--min-quality', '0.7', '--json'])).out) as CalibrationJson;
    expect(result.calibration.met).toBe(true);
    expect(result.calibration.quality).toBeGreaterThanOrEqual(0.7);
    expect(result.calibration.examples).toBe(calibrationPrompts().length);
    // At a threshold that is no tie, the config decides on these prompts exactly as calibrate said.
    const clear = JSON.parse((await run([...calibrateArgs, '--min-quality', '0.9', '--json'])).out) as CalibrationJson;
    const evaluated = await evalAtThreshold(clear.value);
    expect(evaluated.examples).toBe(clear.calibration.examples);
    expect(evaluated.result.quality).toBeCloseTo(clear.calibration.quality, 12);
    expect(evaluated.result.cost).toBeCloseTo(clear.calibration.cost, 12);
  });

  // Calibrate once compared rounded gains while the gateway compared unrounded ones, so a printed
  // threshold decided differently once deployed.
  it('prints a threshold that, written into the config, meets the target on the prompts it was chosen on', async () => {
    const result = JSON.parse((await run([...calibrateArgs, '--min-quality', '0.7', '--json'])).out) as CalibrationJson;
    const evaluated = await evalAtThreshold(result.value);
    expect(evaluated.result.quality).toBeCloseTo(result.calibration.quality, 12);
    expect(evaluated.result.quality).toBeGreaterThanOrEqual(0.7);
  });

  // The sweep's "never strong" end was once 1.0001, which the config schema rejects.
  it('prints a fragment the config accepts when only the weak model fits the budget', async () => {
    const { code, out } = await run([...calibrateArgs, '--budget-per-1k', '1', '--json']);
    // Exactly the weak model's cost: nothing is certified to stay strictly within it, and the closest value (all weak) is printed.
    expect(code).toBe(3);
    const result = JSON.parse(out) as CalibrationJson;
    writeFileSync(join(dir, 'budget.yaml'), CONFIG.replace('threshold: 0.2', `threshold: ${result.value}`));
    const check = await run(['check-config', 'budget.yaml']);
    expect(check.err).toBe('');
    expect(check.code).toBe(0);
  });

  it('exits 2 with the usage when no target is given', async () => {
    const { code, out, err } = await run(calibrateArgs);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('give exactly one target: --target-quality, --min-quality or --budget-per-1k');
    expect(err).toContain('Usage: switchyard calibrate');
  });
});

describe('errors', () => {
  it('names the file and line of a line that is not JSON', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, [JSON.stringify(DATA[0]), '{"id": "q1", "prompt": "hi", ', JSON.stringify(DATA[2])].join('\n') + '\n');
    for (const args of [
      ['train', 'bad.jsonl', '--out', 'never.json'],
      ['eval', '--config', 'switchyard.yaml', 'bad.jsonl', ...MAP],
    ]) {
      const { code, err } = await run(args);
      expect(code).toBe(1);
      expect(err).toContain(`${bad}:2: not valid JSON`);
    }
  });

  it('says to use --map when the router can choose a model the data does not score', async () => {
    const { code, err } = await run(['eval', '--config', 'switchyard.yaml', 'data.jsonl']);
    expect(code).toBe(1);
    expect(err).toMatch(/router "learned" can choose .*(strong|weak).*which the data does not score/);
    expect(err).toContain(`The data scores ${BIG}, ${SMALL}`);
    expect(err).toContain('--map');
  });

  it('names the routers when --router names none of them', async () => {
    const { code, err } = await run(['eval', '--config', 'switchyard.yaml', '--router', 'nope', 'data.jsonl', ...MAP]);
    expect(code).toBe(1);
    expect(err).toContain('router "nope" does not exist');
    expect(err).toContain('routers: learned');
  });
});
