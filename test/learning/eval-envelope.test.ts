import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/run-cli.js';
import { hullAt } from '../../src/evaluation/envelope.js';
import type { EvalReport } from '../../src/evaluation/eval-report.js';
import { syntheticPrompt } from '../support/synthetic-prompts.js';

/**
 * `eval` shows the envelope of single models and two-model static mixes beside the router's
 * curve, and `--cross-validate K` trains a router per fold: end to end through the CLI, on
 * synthetic data with three models, and on the RouterBench dev files when ../shared is there.
 */

const COST = { small: 0.001, mid: 0.003, big: 0.01 } as const;

/** Hard prompts: only big is right (mid half the time); easy ones: all are. Every 40th is contaminated. */
function syntheticData(): { id: string; prompt: string; benchmark: string; scores: Record<string, number>; costs: Record<string, number>; contaminated?: boolean }[] {
  return Array.from({ length: 300 }, (_, i) => {
    const { prompt, hard } = syntheticPrompt(i);
    const scores = { small: hard ? 0 : 1, mid: hard ? i % 4 === 0 ? 1 : 0 : 1, big: i % 23 === 5 ? 0 : 1 };
    return { id: `q${i}`, prompt, benchmark: i % 3 === 0 ? 'task-a' : 'task-b', scores, costs: { ...COST }, ...(i % 40 === 7 ? { contaminated: true } : {}) };
  });
}

const DATA = syntheticData();
const CLEAN = DATA.filter((line) => line.contaminated !== true).length;

const CONFIG = `providers:
  remote: { type: openai, base_url: "https://api.example.invalid/v1", api_key: "\${SOME_UNSET_VAR}" }
models:
  small: { provider: remote, model: small, price: { input: 1, output: 1 }, context_window: 128000 }
  mid: { provider: remote, model: mid, price: { input: 3, output: 3 }, context_window: 128000 }
  big: { provider: remote, model: big, price: { input: 10, output: 10 }, context_window: 128000 }
routers:
  learned:
    classifier: { type: trained, path: ./r.json }
    default: { cheapest_above: { models: [small, mid, big], min_quality: 0.6 } }
  rules:
    default: mid
`;

async function run(dir: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), env: {}, cwd: dir };
  const code = await runCli(args, io);
  return { code, out, err };
}

/** The x coordinates of a polyline of the plot. */
function polylineXs(svg: string, series: string): number[] {
  const points = new RegExp(`<polyline data-series="${series}"[^>]* points="([^"]*)"`).exec(svg)?.[1];
  return points === undefined ? [] : points.split(' ').map((pair) => Number(pair.split(',')[0]));
}

describe('switchyard eval: the envelope and --cross-validate', () => {
  let dir: string;
  const evalArgs = ['eval', '--config', 'switchyard.yaml', '--router', 'learned', 'data.jsonl'];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-envelope-'));
    writeFileSync(join(dir, 'data.jsonl'), DATA.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const trained = await run(dir, ['train', 'data.jsonl', '--out', 'r.json', '--seed', '3']);
    expect(trained.code).toBe(0);
    writeFileSync(join(dir, 'switchyard.yaml'), CONFIG);
  });

  it('reports the envelope, the router’s curve against it, and the tasks, in text and JSON', async () => {
    const json = await run(dir, [...evalArgs, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as EvalReport;
    expect(report.envelope.hull.map((point) => point.model)).toEqual(['small', 'mid', 'big']);
    expect(report.envelope.comparison?.gaps).toHaveLength(5);
    // Each task's quality and cost of the best model are its own, not the whole data's.
    const onTask = (task: string): number => {
      const lines = DATA.filter((line) => line.contaminated !== true && line.benchmark === task);
      return lines.reduce((sum, line) => sum + (line.scores['big'] as number), 0) / lines.length;
    };
    expect(report.envelope.tasks.map((task) => [task.task, task.model])).toEqual([
      ['task-a', 'big'],
      ['task-b', 'big'],
    ]);
    for (const task of report.envelope.tasks) {
      expect(task.quality).toBeCloseTo(onTask(task.task), 12);
      expect(task.cost).toBeCloseTo(COST.big, 12);
    }
    expect(onTask('task-a')).not.toBeCloseTo(onTask('task-b'), 3);
    expect(report.crossValidation).toBeUndefined();
    const text = await run(dir, evalArgs);
    expect(text.out).toContain('Envelope (single models and their best two-model static mixes): small $1.0000');
    expect(text.out).toContain("cheapest_above's curve: min_quality swept");
    expect(text.out).toMatch(/Against the envelope from \$1\.0000 to \$10\.00\d* per 1k: area [+-]\d\.\d{4}/);
    expect(text.out).toContain("Per task: does the router reach big's quality for less?");
  });

  it('--cross-validate routes every clean prompt once, by a router trained on the other folds', async () => {
    const { code, out, err } = await run(dir, [...evalArgs, '--cross-validate', '4', '--json', '--decisions', 'cv.jsonl']);
    expect(code).toBe(0);
    // Each fold's router never saw the prompts it routes: no note about training on this file.
    expect(err).toBe('');
    const report = JSON.parse(out) as EvalReport;
    const folds = report.crossValidation;
    expect(report.examples).toBe(CLEAN);
    expect(folds?.folds).toBe(4);
    expect(folds?.perFold).toHaveLength(4);
    expect(folds?.perFold.reduce((sum, fold) => sum + fold.examples, 0)).toBe(CLEAN);
    for (const fold of folds?.perFold ?? []) expect(fold.trainExamples + fold.examples).toBe(CLEAN);
    expect(folds?.area?.folds).toBe(4);
    expect(folds?.gaps).toHaveLength(5);
    expect(folds?.tasks.map((task) => task.folds)).toEqual([4, 4]);

    // The predictions are the fold routers', not the file's (which trained on every prompt).
    const decisions = (file: string): Map<string, unknown> =>
      new Map(
        readFileSync(join(dir, file), 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { id: string; predicted: unknown })
          .map((line) => [line.id, line.predicted]),
      );
    expect((await run(dir, [...evalArgs, '--decisions', 'whole.jsonl'])).code).toBe(0);
    const whole = decisions('whole.jsonl');
    const crossValidated = decisions('cv.jsonl');
    expect([...crossValidated.keys()].sort()).toEqual([...whole.keys()].sort());
    expect([...crossValidated].filter(([id, predicted]) => JSON.stringify(predicted) !== JSON.stringify(whole.get(id))).length).toBe(CLEAN);

    // --seed draws other folds.
    const reseeded = JSON.parse((await run(dir, [...evalArgs, '--cross-validate', '4', '--seed', '2', '--json'])).out) as EvalReport;
    expect(reseeded.crossValidation?.perFold.map((fold) => fold.examples)).not.toEqual(folds?.perFold.map((fold) => fold.examples));

    const text = await run(dir, [...evalArgs, '--cross-validate', '4']);
    expect(text.out).toContain('Cross-validated: 4 folds (seed 1)');
    expect(text.out).toMatch(/over 4 folds: area [+-]\d\.\d{4} ± \d\.\d{4} \([+-]\d\.\d{4} to [+-]\d\.\d{4}\), least [+-]\d\.\d{4} ± \d\.\d{4}/);
    expect(text.out).toContain('gap per fold: mean ± sd (min to max)');
  });

  it('refuses fewer than two folds, and a router without a trained classifier', async () => {
    const one = await run(dir, [...evalArgs, '--cross-validate', '1']);
    expect(one.code).toBe(2);
    expect(one.err).toContain('--cross-validate expects an integer from 2 to 20');
    const rules = await run(dir, ['eval', '--config', 'switchyard.yaml', '--router', 'rules', 'data.jsonl', '--cross-validate', '3']);
    expect(rules.code).toBe(1);
    expect(rules.err).toContain('router "rules" has no trained classifier');
  });
});

const ROUTERBENCH = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/benchmarks/routerbench/dev/mbpp.jsonl');

describe.skipIf(!existsSync(ROUTERBENCH))('switchyard eval --cross-validate on RouterBench MBPP (11 models, from ../shared)', () => {
  it('draws the hull and the router’s curve it reports, and the area agrees with them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-routerbench-'));
    const lines = readFileSync(ROUTERBENCH, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { scores: Record<string, number>; costs: Record<string, number> });
    const models = Object.keys(lines[0]?.scores ?? {});
    const meanCost = (model: string): number => lines.reduce((sum, line) => sum + (line.costs[model] as number), 0);
    const byCost = [...models].sort((a, b) => meanCost(a) - meanCost(b));
    expect(models).toHaveLength(11);
    writeFileSync(join(dir, 'mbpp.jsonl'), lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const name = (model: string): string => model.split('/').at(-1)?.toLowerCase() ?? model;
    const map = models.flatMap((model) => ['--map', `${model}=${name(model)}`]);
    const config = [
      'providers:',
      '  remote: { type: openai, base_url: "https://api.example.invalid/v1", api_key: "${SOME_UNSET_VAR}" }',
      'models:',
      // Catalog prices only order cheapest_above's models (here as the data's costs do); eval counts the data's costs.
      ...byCost.map((model, index) => `  ${name(model)}: { provider: remote, model: m${index}, price: { input: ${index + 1}, output: ${index + 1} }, context_window: 128000 }`),
      'routers:',
      '  auto:',
      '    classifier: { type: trained, path: ./r.json }',
      `    default: { cheapest_above: { models: [${models.map(name).join(', ')}], min_quality: 0.7 } }`,
    ].join('\n');
    writeFileSync(join(dir, 'switchyard.yaml'), `${config}\n`);
    expect((await run(dir, ['train', 'mbpp.jsonl', '--out', 'r.json', ...map])).code).toBe(0);
    const { code, out } = await run(dir, ['eval', '-c', 'switchyard.yaml', 'mbpp.jsonl', ...map, '--cross-validate', '3', '--json', '--plot', 'plot.svg']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as EvalReport;
    const { hull, router, comparison, tasks } = report.envelope;
    const singles = report.baselines.single;
    const cheapest = singles.reduce((best, model) => (model.cost < best.cost ? model : best));
    const best = singles.reduce((top, model) => (model.quality > top.quality ? model : top));
    expect(hull[0]?.model).toBe(cheapest.model);
    expect(hull.at(-1)?.model).toBe(best.model);
    expect(comparison?.from).toBe(cheapest.cost);
    expect(comparison?.to).toBe(Math.max(...singles.map((model) => model.cost)));
    expect(tasks.map((task) => [task.task, task.model, task.examples])).toEqual([['mbpp', best.model, 242]]);
    expect(report.crossValidation?.perFold).toHaveLength(3);

    // The area is the mean of router − envelope over the range: check it against the points reported.
    const points = router?.points ?? [];
    const from = comparison?.from ?? NaN;
    const to = comparison?.to ?? NaN;
    let sum = 0;
    const steps = 4000;
    for (let step = 0; step < steps; step++) {
      const cost = from + ((step + 0.5) / steps) * (to - from);
      sum += (hullAt(points, cost) as number) - (hullAt(hull, cost) as number);
    }
    expect(comparison?.area).toBeCloseTo(sum / steps, 4);

    const svg = readFileSync(join(dir, 'plot.svg'), 'utf8');
    expect(polylineXs(svg, 'envelope')).toHaveLength(hull.length);
    expect(polylineXs(svg, 'router-curve')).toHaveLength(points.length);
    expect(points.length).toBeGreaterThan(2);
  }, 60_000);
});
