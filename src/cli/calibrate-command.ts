import { writtenWith } from '../routing/policies/predicted/tunable-parameter.js';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { calibrate, DEFAULT_CONFIDENCE, type Calibration, type CalibrationTarget } from '../evaluation/calibrate.js';
import { predictedTargets } from '../evaluation/policy-sweep.js';
import { listNames } from '../util/describe-value.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { REPLAY_OPTIONS, REPLAY_USAGE, replayFromArgs } from './replay-options.js';
import { formatNumber } from './format-table.js';
import { parseNumberOption } from './number-option.js';

export const CALIBRATE_USAGE = `Usage: switchyard calibrate [--config FILE] [--router NAME] DATA.jsonl (--target-quality Q | --min-quality Q | --budget-per-1k USD) [options]

Finds the min_quality (cheapest_above) or threshold (strong_weak) of a router's trained policy
that is certified to meet a target at least cost on a calibration split of scored data, reports
how it does on the rest with 95% bootstrap intervals, and prints the config fragment to use.
Certified: with probability at least C (--confidence) over the draw of the calibration prompts,
the value's mean quality (cost, for a budget) on new prompts from the same distribution meets the
target (Learn-then-Test fixed-sequence testing with a betting confidence bound). Exit code 3 when
no value is certified, or when the held-back prompts miss the target.

Targets (one):
      --target-quality Q   A share of the reference model's quality, e.g. 0.95
      --min-quality Q      A mean quality, e.g. 0.78
      --budget-per-1k USD  At most this many dollars per 1,000 requests (the best quality within it)

Options:
${REPLAY_USAGE}
      --route NAME         The route whose policy to calibrate, when the router has several ("default" for its default)
      --confidence C       How sure the certificate is, 0.5..0.999 (default ${DEFAULT_CONFIDENCE})
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
        confidence: { type: 'string' },
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
    const target = targets[0] as CalibrationTarget;
    const result = calibrate(replayed, location, target, {
      split: parseNumberOption('--split', values.split, 0.5, { min: 0.05, max: 0.95 }),
      // Another split than the training holdout's, from the same seed.
      seed: parseNumberOption('--seed', values.seed, 1, { integer: true, min: 0 }) + 1,
      confidence: parseNumberOption('--confidence', values.confidence, DEFAULT_CONFIDENCE, { min: 0.5, max: 0.999 }),
    });
    const fragment = configFragment(router.name, result);
    if (values.out !== undefined) writeFileSync(resolve(io.cwd, values.out), fragment);
    const promise = promised(target, router.reference);
    const guarantee = result.certified ? guaranteeSentence(result, target, promise, router.reference) : undefined;
    io.out(values.json ? JSON.stringify({ ...result, guarantee, fragment }, null, 2) : formatCalibration(result, target, promise, guarantee, fragment));
    return result.certified && result.check.met ? 0 : 3;
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

/** A number as given, without padding: 0.95, 6, 0.0123. */
const plain = (value: number): string => String(Number(value.toPrecision(6)));
const percent = (share: number): string => `${plain(share * 100)}%`;
const usd = (cost: number): string => `$${formatNumber(cost * 1000, 4)}`;

/** The target in words: "95% of gpt-4's quality", "quality 0.78", "$2 per 1k requests". */
function promised(target: CalibrationTarget, reference: string | undefined): string {
  if (target.kind === 'reference_share') return `${percent(target.share)} of ${reference ?? 'the reference'}'s quality`;
  if (target.kind === 'quality') return `quality ${plain(target.quality)}`;
  return `$${plain(target.usdPer1k)} per 1k requests`;
}

/** The guarantee a certified value carries, in one sentence. */
function guaranteeSentence(result: Calibration, target: CalibrationTarget, promise: string, reference: string | undefined): string {
  const draw = `With probability at least ${percent(result.confidence)} over the draw of the ${result.calibration.examples} calibration prompts`;
  const setting = `${result.parameter} ${result.value}`;
  if (target.kind === 'budget') {
    return `${draw}, the mean cost of ${setting} on new prompts from the same distribution is at most ${promise} (assuming no request costs more than $${plain(result.costCeiling as number)}, the dearest in the data).`;
  }
  const floor = target.kind === 'quality' ? plain(target.quality) : `${percent(target.share)} of ${reference ?? 'the reference'}'s`;
  return `${draw}, the mean quality of ${setting} on new prompts from the same distribution is at least ${floor}.`;
}

function formatCalibration(result: Calibration, target: CalibrationTarget, promise: string, guarantee: string | undefined, fragment: string): string {
  const { calibration, check, pointEstimate } = result;
  const isBudget = target.kind === 'budget';
  const atConfidence = `with ${percent(result.confidence)} confidence on ${calibration.examples} prompts`;
  const chosenHere = `quality ${formatNumber(calibration.quality, 4)}, ${usd(calibration.cost)} per 1k`;
  // The reference's quality on the calibration prompts is the required quality over the share.
  const shareOfReference =
    target.kind === 'reference_share' && result.requiredQuality !== undefined && result.requiredQuality > 0
      ? ` (${percent(Number(((calibration.quality * target.share) / result.requiredQuality).toFixed(4)))} of the reference's)`
      : '';
  const lines = [
    `${result.parameter} = ${result.value}: ` +
      (result.certified ? `certified for ${isBudget ? 'at most ' : ''}${promise} ${atConfidence}` : `NOT certified`) +
      (result.requiredQuality === undefined ? '' : ` (target quality ${formatNumber(result.requiredQuality, 4)})`),
    guarantee === undefined
      ? `  no setting is certified ${isBudget ? 'within' : 'at'} ${promise} ${atConfidence}; the ${isBudget ? 'cheapest costs' : 'best reaches'} ${chosenHere}${shareOfReference} (target not reachable: closest point)`
      : `  ${guarantee}`,
    `  on ${calibration.examples} calibration prompts: ${chosenHere}` +
      (pointEstimate === undefined || pointEstimate.value === result.value
        ? ''
        : `; the calibration mean alone (no guarantee) would pick ${pointEstimate.value}: quality ${formatNumber(pointEstimate.quality, 4)}, ${usd(pointEstimate.cost)} per 1k`),
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
