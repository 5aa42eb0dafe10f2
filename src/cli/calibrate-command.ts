import { writtenWith } from '../routing/policies/predicted/tunable-parameter.js';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { calibrate, type Calibration, type CalibrationTarget } from '../evaluation/calibrate.js';
import { predictedTargets } from '../evaluation/policy-sweep.js';
import { listNames } from '../util/describe-value.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { REPLAY_OPTIONS, REPLAY_USAGE, replayFromArgs } from './replay-options.js';
import { formatNumber } from './format-table.js';
import { parseNumberOption } from './number-option.js';

export const CALIBRATE_USAGE = `Usage: switchyard calibrate [--config FILE] [--router NAME] DATA.jsonl (--target-quality Q | --min-quality Q | --budget-per-1k USD) [options]

Finds the min_quality (cheapest_above) or threshold (strong_weak) of a router's trained policy
that meets a target at least cost on a calibration split of scored data, reports how it does on
the rest with 95% bootstrap intervals, and prints the config fragment to use.

Targets (one):
      --target-quality Q   A share of the reference model's quality, e.g. 0.95
      --min-quality Q      A mean quality, e.g. 0.78
      --budget-per-1k USD  At most this many dollars per 1,000 requests (the best quality within it)

Options:
${REPLAY_USAGE}
      --route NAME         The route whose policy to calibrate, when the router has several ("default" for its default)
      --split F            Share of the examples kept out of calibration to check the result on (default 0.5)
      --out FILE           Also write the config fragment to FILE
      --json               Print the result as JSON
  -h, --help               Show this help`;

export async function calibrateCommand(args: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...REPLAY_OPTIONS,
        route: { type: 'string' },
        'target-quality': { type: 'string' },
        'min-quality': { type: 'string' },
        'budget-per-1k': { type: 'string' },
        split: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(CALIBRATE_USAGE);
      return 0;
    }
    const targets: CalibrationTarget[] = [];
    if (values['target-quality'] !== undefined) targets.push({ kind: 'reference_share', share: parseNumberOption('--target-quality', values['target-quality'], 0, { min: 0, max: 2 }) });
    if (values['min-quality'] !== undefined) targets.push({ kind: 'quality', quality: parseNumberOption('--min-quality', values['min-quality'], 0, { min: 0, max: 1 }) });
    if (values['budget-per-1k'] !== undefined) targets.push({ kind: 'budget', usdPer1k: parseNumberOption('--budget-per-1k', values['budget-per-1k'], 0, { min: 0 }) });
    if (targets.length !== 1) throw new UsageError('give exactly one target: --target-quality, --min-quality or --budget-per-1k');

    const replayed = await replayFromArgs(values, positionals, io);
    const { router } = replayed;
    const locations = predictedTargets(replayed);
    const name = (route: string | undefined): string => route ?? 'default';
    const location = values.route === undefined ? (locations.length === 1 ? locations[0] : undefined) : locations.find((entry) => name(entry.route) === values.route);
    if (!location) {
      if (locations.length === 0) throw new UsageError(`router "${router.name}" has no cheapest_above or strong_weak policy to calibrate`);
      throw new UsageError(`choose the policy with --route; routes with one: ${listNames(locations.map((entry) => name(entry.route)))}`);
    }
    const result = calibrate(replayed, location, targets[0] as CalibrationTarget, {
      split: parseNumberOption('--split', values.split, 0.5, { min: 0.05, max: 0.95 }),
      // Another split than the training holdout's, from the same seed.
      seed: parseNumberOption('--seed', values.seed, 1, { integer: true, min: 0 }) + 1,
    });
    const fragment = configFragment(router.name, result);
    if (values.out !== undefined) writeFileSync(resolve(io.cwd, values.out), fragment);
    io.out(values.json ? JSON.stringify({ ...result, fragment }, null, 2) : formatCalibration(result, fragment));
    return result.check.met ? 0 : 3;
  } catch (error) {
    return reportFailure(io, error, CALIBRATE_USAGE);
  }
}

function configFragment(router: string, result: Calibration): string {
  const { target, route } = result.location;
  const policy = writtenWith(target, result.value);
  const body = route === undefined ? { default: policy } : { routes: { [route]: { target: policy } } };
  return stringify({ routers: { [router]: body } });
}

function formatCalibration(result: Calibration, fragment: string): string {
  const usd = (cost: number): string => `$${formatNumber(cost * 1000, 4)}`;
  const { calibration, check } = result;
  const lines = [
    `${result.parameter} = ${result.value}` + (result.requiredQuality === undefined ? '' : ` (target quality ${formatNumber(result.requiredQuality, 4)})`),
    `  on ${calibration.examples} calibration prompts: quality ${formatNumber(calibration.quality, 4)}, ${usd(calibration.cost)} per 1k${calibration.met ? '' : ' (target not reachable: closest point)'}`,
    `  on ${check.examples} held-back prompts: quality ${formatNumber(check.quality.mean, 4)} [95% CI ${formatNumber(check.quality.low, 4)}-${formatNumber(check.quality.high, 4)}], ` +
      `${usd(check.cost.mean)} per 1k [${usd(check.cost.low)}-${usd(check.cost.high)}]` +
      (check.referenceQuality === undefined ? '' : `; reference quality ${formatNumber(check.referenceQuality, 4)}`) +
      (check.met ? ', target met' : ', target NOT met on these prompts'),
    '',
    'Config:',
    fragment.trimEnd(),
  ];
  return lines.join('\n');
}
