// Learned-routing benchmark: trains Switchyard's router on one part of scored data and measures
// it on the rest (5-fold, out of fold), with RouteLLM's metrics for the two-model data and the
// cost–quality plane for the 11-model RouterBench subset. Run: npm run bench:learned
// Uses the built package (dist/); the RouterBench part needs ../shared and is skipped without it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readScoredData } from '../dist/learning/scored-data.js';
import { trainRouter, DEFAULT_FEATURES, DEFAULT_LOGISTIC } from '../dist/learning/train-router.js';
import { exampleText } from '../dist/learning/example-text.js';
import { twoModelMetrics } from '../dist/learning/routing-metrics.js';
import { cheapestAbove } from '../dist/routing/policies/predicted/compile-predicted-policy.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FOLDS = 5;
const FOLD_SEEDS = [1, 2, 3];
const STRONG = 'gpt-4-1106-preview';
const WEAK = 'mistralai/Mixtral-8x7B-Instruct-v0.1';

function foldOf(id, seed) {
  let hash = (2166136261 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619);
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  hash ^= hash >>> 12;
  return (hash >>> 0) % FOLDS;
}

/** Out-of-fold predictions: each example predicted by a router trained without its fold. */
function outOfFold(examples, models, seed) {
  const predictions = new Map();
  let seconds = 0;
  for (let fold = 0; fold < FOLDS; fold++) {
    const train = examples.filter((example) => foldOf(example.id, seed) !== fold);
    const test = examples.filter((example) => foldOf(example.id, seed) === fold);
    const started = performance.now();
    const { router } = trainRouter(train, { rename: new Map(), models, seed, holdout: 0, features: DEFAULT_FEATURES, logistic: DEFAULT_LOGISTIC, dataName: 'bench' });
    seconds += (performance.now() - started) / 1000;
    for (const example of test) {
      const { text, turns } = exampleText(example);
      predictions.set(example.id, router.predict(text, turns));
    }
  }
  return { predictions, seconds: seconds / FOLDS };
}

const meanSd = (values) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
};

function twoModelBench(file) {
  const examples = readScoredData(join(root, 'data/routellm', file)).filter((example) => !example.contaminated);
  const runs = FOLD_SEEDS.map((seed) => {
    const { predictions, seconds } = outOfFold(examples, [STRONG, WEAK], seed);
    const metrics = twoModelMetrics(
      examples.map((example) => predictions.get(example.id)[0] - predictions.get(example.id)[1]),
      examples.map((example) => example.scores[STRONG]),
      examples.map((example) => example.scores[WEAK]),
    );
    return { ...metrics, seconds };
  });
  const apgr = meanSd(runs.map((run) => run.apgr));
  return {
    data: file,
    prompts: examples.length,
    apgr,
    cpt50: meanSd(runs.map((run) => run.cpt50)).mean,
    cpt80: meanSd(runs.map((run) => run.cpt80)).mean,
    trainSecondsPerFold: meanSd(runs.map((run) => run.seconds)).mean,
  };
}

/** RouterBench: the multi-model router's cost–quality curve against single models and two-model static mixes. */
function routerBench() {
  const dir = join(root, '../shared/benchmarks/routerbench/dev');
  if (!existsSync(dir)) return undefined;
  const files = ['arc_challenge.jsonl', 'mbpp.jsonl', 'winogrande.jsonl'];
  const all = files.flatMap((file) => readScoredData(join(dir, file)));
  const models = Object.keys(all[0].scores);
  const examples = all.filter((example) => models.every((model) => example.scores[model] !== undefined && example.costs?.[model] !== undefined));
  const meanOf = (model, field) => examples.reduce((sum, example) => sum + example[field][model], 0) / examples.length;
  const singles = models.map((model) => ({ model, cost: meanOf(model, 'costs'), quality: meanOf(model, 'scores') }));
  // cheapest_above over all 11 models. (Restricting it to the cost–quality frontier models, as a
  // user might, was tried and did worse: fewer cheap options for prompts they get right.)
  const byCost = [...models].sort((a, b) => meanOf(a, 'costs') - meanOf(b, 'costs'));
  const { predictions } = outOfFold(examples, models, 1);
  const positions = byCost.map((model) => models.indexOf(model));
  const curve = [];
  for (let step = 0; step <= 100; step++) {
    const minQuality = step / 100;
    let cost = 0;
    let quality = 0;
    for (const example of examples) {
      const predicted = predictions.get(example.id);
      const { index } = cheapestAbove(predicted, positions, minQuality);
      const model = byCost[index];
      cost += example.costs[model];
      quality += example.scores[model];
    }
    curve.push({ minQuality, cost: cost / examples.length, quality: quality / examples.length });
  }
  // The best static mix at a cost: the upper envelope of straight lines between two single models.
  const mixAt = (cost) => {
    let best = -Infinity;
    for (const a of singles) {
      for (const b of singles) {
        if (a.cost > cost || b.cost < cost) continue;
        const t = b.cost === a.cost ? 0 : (cost - a.cost) / (b.cost - a.cost);
        best = Math.max(best, a.quality + t * (b.quality - a.quality));
      }
    }
    return best;
  };
  const routerAt = (cost) => Math.max(...curve.filter((point) => point.cost <= cost).map((point) => point.quality), -Infinity);
  const checks = singles.map((single) => ({ ...single, routerQuality: routerAt(single.cost), above: routerAt(single.cost) >= single.quality }));
  const grid = [];
  const low = Math.min(...curve.map((point) => point.cost));
  const high = Math.max(...singles.map((single) => single.cost));
  for (let k = 0; k <= 50; k++) {
    const cost = low + ((high - low) * k) / 50;
    grid.push({ cost, router: routerAt(cost), mix: mixAt(cost) });
  }
  const compared = grid.filter((point) => Number.isFinite(point.mix) && Number.isFinite(point.router));
  return {
    prompts: examples.length,
    models: models.length,
    policyModels: byCost,
    curve: curve.filter((_, index) => index % 10 === 0),
    singleModelChecks: checks,
    aboveEverySingleModel: checks.every((check) => check.above),
    shareOfCostRangeAboveBestStaticMix: compared.filter((point) => point.router >= point.mix).length / compared.length,
  };
}

const started = performance.now();
const result = {
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length, date: new Date().toISOString().slice(0, 10) },
  recipe: { features: { ...DEFAULT_FEATURES }, logistic: DEFAULT_LOGISTIC, folds: FOLDS, foldSeeds: FOLD_SEEDS },
  routellm: ['mmlu.jsonl', 'gsm8k.jsonl'].map(twoModelBench),
  routerbench: routerBench(),
};
result.seconds = (performance.now() - started) / 1000;

const published = { 'mmlu.jsonl': 0.603, 'gsm8k.jsonl': 0.622 };
const target = { 'mmlu.jsonl': 0.65, 'gsm8k.jsonl': 0.7 };
console.log(`Learned routing, ${FOLDS}-fold out-of-fold, fold seeds ${FOLD_SEEDS.join(',')} (${result.machine.node}, ${result.machine.cpus} cores)`);
console.log('data          prompts  APGR (mean ± sd)  CPT50   CPT80   RouteLLM best  target  train s/fold');
for (const row of result.routellm) {
  console.log(
    `${row.data.padEnd(12)}  ${String(row.prompts).padStart(7)}  ${row.apgr.mean.toFixed(3)} ± ${row.apgr.sd.toFixed(3)}     ${row.cpt50.toFixed(1).padStart(5)}%  ${row.cpt80.toFixed(1).padStart(5)}%  ${published[row.data].toFixed(3).padStart(13)}  ${target[row.data].toFixed(2).padStart(6)}  ${row.trainSecondsPerFold.toFixed(2).padStart(12)}`,
  );
}
if (result.routerbench) {
  const bench = result.routerbench;
  console.log(`\nRouterBench subset (${bench.prompts} prompts, ${bench.models} models scored; cheapest_above over ${bench.policyModels.join(', ')}), swept over min_quality 0..1:`);
  for (const point of bench.curve) console.log(`  min_quality ${point.minQuality.toFixed(1)}  $${(point.cost * 1000).toFixed(3)}/1k  quality ${point.quality.toFixed(4)}`);
  console.log(`  above every single model at its cost: ${bench.aboveEverySingleModel} (${bench.singleModelChecks.filter((check) => check.above).length}/${bench.singleModelChecks.length})`);
  console.log(`  share of the cost range where it is at or above the best two-model static mix: ${(bench.shareOfCostRangeAboveBestStaticMix * 100).toFixed(0)}%`);
} else console.log('\nRouterBench subset: ../shared/benchmarks/routerbench not found, skipped');
const out = join(root, 'bench/results/learned-routing.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\n${result.seconds.toFixed(1)} s; results in ${out}`);
