import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import { inHoldout, readScoredData } from '../../src/learning/scored-data.js';
import type { TargetSpec } from '../../src/routing/policies/policy-registry.js';
import type { RouterSpec } from '../../src/routing/router-spec.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { DEFAULT_CONFIDENCE } from '../../src/evaluation/calibrate.js';
import { certifiedSetting, type CalibrationTarget } from '../../src/evaluation/certified-setting.js';
import { evaluateAt, onlyPredictedTarget, redecider, type PolicyLocation } from '../../src/evaluation/policy-sweep.js';
import { pickRouter, replay, type Replay, type ReplayRow } from '../../src/evaluation/replay.js';

/**
 * The guarantee of `calibrate`: a promise that holds on data it did not see. First on a synthetic
 * population whose expected quality and cost at every threshold are known exactly (where the old
 * point estimate, the cheapest value that meets the target on the calibration prompts, breaks its
 * promise about half the time), then on RouteLLM's MMLU and GSM8K over 20 calibration/test splits.
 */

const SMALL = 0;
const BIG = 1;
const round4 = (value: number): number => Math.round(value * 10_000) / 10_000;

/** 500 equally likely kinds of prompt: the strong model's predicted gain, and each model's chance of a right answer. */
const KINDS = Array.from({ length: 500 }, (_, index) => {
  const gain = round4(-0.3 + (0.9 * index) / 499);
  return { gain, small: Math.min(1, 0.95 - gain), big: 0.9 };
});
const COST = { small: 0.00025, big: 0.0025 };
const STRONG_WEAK: TargetSpec = { policy: 'strong_weak', strong: 'big', weak: 'small', threshold: 0.1 };

/** The population's expected quality and cost at a threshold: what a promise is about. */
function truth(threshold: number): { quality: number; cost: number; reference: number } {
  let quality = 0;
  let cost = 0;
  for (const kind of KINDS) {
    const big = kind.gain >= threshold;
    quality += big ? kind.big : kind.small;
    cost += big ? COST.big : COST.small;
  }
  return { quality: quality / KINDS.length, cost: cost / KINDS.length, reference: 0.9 };
}

/** `count` prompts drawn from the population: a kind, each model's 0/1 score, costs around the mean. */
function sample(count: number, seed: number): Replay {
  const random = seededRandom(seed);
  const rows: ReplayRow[] = [];
  for (let index = 0; index < count; index++) {
    const kind = KINDS[Math.floor(random() * KINDS.length)] as (typeof KINDS)[number];
    const quality = Float64Array.from([random() < kind.small ? 1 : 0, random() < kind.big ? 1 : 0]);
    const cost = Float64Array.from([COST.small * (0.5 + random()), COST.big * (0.5 + random())]);
    const chosen = kind.gain >= 0.1 ? BIG : SMALL;
    rows.push({
      example: { id: `s${seed}-${index}`, line: index + 1, messages: [{ role: 'user', content: `prompt ${index}` }], scores: {}, costs: undefined, contaminated: false },
      chosen,
      route: 'default',
      prediction: { policy: 'strong_weak', predicted: { small: 0.5, big: round4(0.5 + kind.gain) }, threshold: 0.1, gain: kind.gain, chosen: chosen === BIG ? 'big' : 'small' },
      quality,
      cost,
    });
  }
  const router: RouterSpec = { name: 'auto', description: undefined, reference: 'big', matchOn: 'last_user', classifier: undefined, encoder: undefined, routes: [], defaultTarget: STRONG_WEAK, fallbacks: new Map(), sticky: undefined };
  return {
    router,
    columns: [
      { model: 'small', data: 'small', price: 1 },
      { model: 'big', data: 'big', price: 10 },
    ],
    targetModels: new Set(['small', 'big']),
    reference: BIG,
    rows,
    contaminated: 0,
    costSource: 'data',
  };
}

describe('calibrate keeps its promise on the population (synthetic, exact truth)', () => {
  const TRIALS = 100;
  const CONFIDENCE = 0.9;
  const targets: { name: string; target: CalibrationTarget; holds: (threshold: number) => boolean }[] = [
    { name: 'quality 0.83', target: { kind: 'quality', quality: 0.83 }, holds: (threshold) => truth(threshold).quality >= 0.83 },
    { name: '95% of the reference', target: { kind: 'reference_share', share: 0.95 }, holds: (threshold) => truth(threshold).quality >= 0.95 * truth(threshold).reference },
    { name: '$1.2 per 1k', target: { kind: 'budget', usdPer1k: 1.2 }, holds: (threshold) => truth(threshold).cost <= 0.0012 },
  ];

  for (const { name, target, holds } of targets) {
    it(`${name}: certified values meet it in expectation in at least ${CONFIDENCE * 100}% of draws; the point estimate does not`, () => {
      let certified = 0;
      let broken = 0;
      let estimated = 0;
      let estimateBroken = 0;
      for (let trial = 0; trial < TRIALS; trial++) {
        const replayed = sample(600, 1000 + trial);
        const heldBack = (row: ReplayRow): boolean => inHoldout(row.example.id, 0.5, trial);
        const rows = { calibration: replayed.rows.filter((row) => !heldBack(row)), heldBack: replayed.rows.filter(heldBack) };
        const result = certifiedSetting(replayed, onlyPredictedTarget(replayed) as PolicyLocation, target, rows, { seed: trial, confidence: CONFIDENCE });
        if (result.certified) {
          certified++;
          if (!holds(result.value)) broken++;
        }
        if (result.pointEstimate) {
          estimated++;
          if (!holds(result.pointEstimate.value)) estimateBroken++;
        }
      }
      console.log(`synthetic ${name}: certified ${certified}/${TRIALS}, broken ${broken}; point estimate broken ${estimateBroken}/${estimated}`);
      // Not vacuous: the target is certified in nearly every draw.
      expect(certified).toBeGreaterThanOrEqual(0.9 * TRIALS);
      expect(broken).toBeLessThanOrEqual(Math.round((1 - CONFIDENCE) * TRIALS));
      expect(estimated).toBe(TRIALS);
      // The point estimate breaks it more than twice as often as the certificate may.
      expect(estimateBroken).toBeGreaterThan(2 * Math.round((1 - CONFIDENCE) * TRIALS));
    });
  }
});

const ROUTELLM = resolve(dirname(fileURLToPath(import.meta.url)), '../../data/routellm');
const MIXTRAL = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
const SPLITS = 20;

/** The RouteLLM setup of examples/routellm (GPT-4 strong and the reference, Mixtral weak), its router file beside it. */
const CONFIG = `providers:
  remote: { type: openai, base_url: "https://api.example.invalid/v1", api_key: "\${SOME_UNSET_VAR}" }
models:
  gpt-4-1106-preview: { provider: remote, model: gpt-4-1106-preview, price: { input: 10, output: 30 }, context_window: 128000 }
  mixtral-8x7b: { provider: remote, model: mixtral, price: { input: 0.6, output: 0.6 }, context_window: 32768 }
routers:
  auto:
    reference: gpt-4-1106-preview
    classifier: { type: trained, path: ./router.json }
    default: { strong_weak: { strong: gpt-4-1106-preview, weak: mixtral-8x7b, threshold: 0.1 } }
`;

/**
 * Trains a router as `switchyard train` does on half of a RouteLLM file (seed 1) and replays the
 * other half through it: every calibration and test prompt below comes from that other half.
 */
async function trainedReplay(file: string): Promise<Replay> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-calibrate-'));
  const io: CliIo = { out: () => undefined, err: (text) => console.error(text), env: {}, cwd: dir };
  const data = join(ROUTELLM, `${file}.jsonl`);
  expect(await runCli(['train', data, '--out', 'router.json', '--holdout', '0.5', '--seed', '1', '--map', `${MIXTRAL}=mixtral-8x7b`], io)).toBe(0);
  writeFileSync(join(dir, 'switchyard.yaml'), CONFIG);
  const config = loadConfigFile(join(dir, 'switchyard.yaml'), { env: {} });
  const heldOut = readScoredData(data).filter((example) => inHoldout(example.id, 0.5, 1));
  return replay(config, pickRouter(config, 'auto'), heldOut, { map: new Map([[MIXTRAL, 'mixtral-8x7b']]), outputTokens: 256 });
}

describe.skipIf(!existsSync(join(ROUTELLM, 'mmlu.jsonl')))('calibrate keeps its promise on held-out RouteLLM prompts (20 splits)', () => {
  const replays = new Map<string, Replay>();
  beforeAll(async () => {
    for (const file of ['mmlu', 'gsm8k']) replays.set(file, await trainedReplay(file));
  }, 120_000);

  const cases: { file: string; name: string; target: CalibrationTarget }[] = [];
  for (const file of ['mmlu', 'gsm8k']) {
    cases.push({ file, name: '--target-quality 0.9', target: { kind: 'reference_share', share: 0.9 } });
    cases.push({ file, name: '--target-quality 0.95', target: { kind: 'reference_share', share: 0.95 } });
  }
  cases.push({ file: 'mmlu', name: '--min-quality 0.75', target: { kind: 'quality', quality: 0.75 } });

  for (const { file, name, target } of cases) {
    it(`${file} ${name}: certified on every split, met on the test half of at least 90%`, () => {
      const replayed = replays.get(file) as Replay;
      const location = onlyPredictedTarget(replayed) as PolicyLocation;
      const redecide = redecider(replayed, location);
      const columns = replayed.columns.length;
      const reference = replayed.reference as number;
      let certified = 0;
      let held = 0;
      let estimateHeld = 0;
      let promised = 0;
      let achieved = 0;
      let cost = 0;
      let estimateCost = 0;
      for (let split = 0; split < SPLITS; split++) {
        const inTest = (row: ReplayRow): boolean => inHoldout(row.example.id, 0.5, 100 + split);
        const calibration = replayed.rows.filter((row) => !inTest(row));
        const test = replayed.rows.filter(inTest);
        const chosen = certifiedSetting(replayed, location, target, { calibration, heldBack: test }, { seed: 100 + split, confidence: DEFAULT_CONFIDENCE });
        // The promise, read on the test half: a share of the reference's quality there, or the absolute quality.
        const required = target.kind === 'reference_share' ? (target.share * test.reduce((sum, row) => sum + (row.quality[reference] as number), 0)) / test.length : (target as { quality: number }).quality;
        const onTest = evaluateAt(test, columns, redecide, chosen.value);
        const estimate = evaluateAt(test, columns, redecide, (chosen.pointEstimate as { value: number }).value);
        if (chosen.certified) certified++;
        if (chosen.certified && onTest.quality >= required) held++;
        if (estimate.quality >= required) estimateHeld++;
        promised += required;
        achieved += onTest.quality;
        cost += onTest.cost;
        estimateCost += estimate.cost;
      }
      const f = (value: number): string => value.toFixed(4);
      console.log(
        `${file} ${name} at confidence ${DEFAULT_CONFIDENCE}: certified ${certified}/${SPLITS}, promise held on the test half ${held}/${SPLITS} ` +
          `(point estimate ${estimateHeld}/${SPLITS}); mean promised ${f(promised / SPLITS)}, achieved ${f(achieved / SPLITS)}; ` +
          `$/1k ${f((cost / SPLITS) * 1000)} (point estimate ${f((estimateCost / SPLITS) * 1000)})`,
      );
      expect(certified).toBe(SPLITS);
      expect(held / SPLITS).toBeGreaterThanOrEqual(0.9);
    });
  }
});
