import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { NO_ROUTE, fitWithCrossValidation, report, type FitReport, type ScoredPrompt } from '../evaluation/fit-thresholds.js';
import { pickRouter } from '../evaluation/replay.js';
import { extractRoutingText } from '../features/extract-routing-text.js';
import { Gateway } from '../gateway/gateway.js';
import { readLabeledPrompts } from '../learning/labeled-prompts.js';
import { inHoldout } from '../learning/scored-data.js';
import { listNames } from '../util/describe-value.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { formatNumber, formatPercent, formatTable } from './format-table.js';
import { parseNumberOption } from './number-option.js';

export const FIT_ROUTES_USAGE = `Usage: switchyard fit-routes LABELED.jsonl [options]

Tunes the similarity thresholds of a router's example routes (\`when: { examples: [...] }\`) from
prompts labelled with the route they should take: one JSON object per line,
{"id"?, "prompt" | "messages", "route": "<route name>" | "default"}. Prints per-route precision and
recall and the confusion matrix with the configured and the fitted thresholds, on prompts held
out from fitting, and the thresholds to paste into the config.

Options:
  -c, --config FILE   Config file (default: $SWITCHYARD_CONFIG, ./switchyard.yaml, or the quickstart config)
  -r, --router NAME   Router whose example routes to tune (default: "auto", or the only router)
      --holdout F     Share of prompts kept out of fitting to report on, 0..0.9 (default 0.3; 0 fits and reports on all)
      --seed N        Seed of the split (default 1)
      --json          Print the result as JSON
  -h, --help          Show this help`;

export async function fitRoutesCommand(args: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        router: { type: 'string', short: 'r' },
        holdout: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(FIT_ROUTES_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing LABELED.jsonl' : `expected one data file, got ${positionals.length}`);
    const holdout = parseNumberOption('--holdout', values.holdout, 0.3, { min: 0, max: 0.9 });
    const seed = parseNumberOption('--seed', values.seed, 1, { integer: true });
    const config = loadConfig({ explicit: values.config, env: io.env, cwd: io.cwd });
    const router = pickRouter(config, values.router);
    const labeled = readLabeledPrompts(resolve(io.cwd, positionals[0] as string));
    const known = new Set([...router.routes.map((route) => route.name), 'default']);
    const unknown = [...new Set(labeled.map((prompt) => prompt.route).filter((route) => !known.has(route)))];
    if (unknown.length > 0) throw new UsageError(`${unknown.length === 1 ? "label" : "labels"} ${listNames(unknown)} ${unknown.length === 1 ? "names" : "name"} no route of router "${router.name}"; its routes: ${listNames(known)}`);

    const gateway = await Gateway.create(config);
    try {
      const examples = gateway.routing.exampleRoutes(router.name);
      if (!examples) throw new UsageError(`router "${router.name}" has no route with \`when: { examples: [...] }\``);
      const routes = examples.routes.map((route) => route.route);
      const controller = new AbortController();
      const scored: (ScoredPrompt & { heldOut: boolean })[] = [];
      for (const prompt of labeled) {
        const result = await gateway.routing.similarity(router.name, extractRoutingText(prompt.messages, router.matchOn), controller.signal);
        if (!result) throw new Error(`router "${router.name}" lost its example routes`);
        if (result.similarity.outcome !== 'ok' && result.similarity.outcome !== 'cached') {
          throw new Error(`could not compare line ${prompt.line} with the examples: ${result.similarity.detail ?? result.similarity.outcome}`);
        }
        scored.push({ id: prompt.id, label: prompt.route, scores: result.similarity.scores, heldOut: holdout > 0 && inHoldout(prompt.id, holdout, seed) });
      }
      const fitOn = scored.filter((prompt) => !prompt.heldOut);
      const checkOn = holdout > 0 ? scored.filter((prompt) => prompt.heldOut) : scored;
      if (fitOn.length === 0 || checkOn.length === 0) throw new UsageError(`--holdout ${holdout} leaves no prompt to ${fitOn.length === 0 ? 'fit on' : 'check on'}; ${scored.length} labelled prompts`);
      const configured = new Map(routes.map((route) => [route, examples.threshold(route)]));
      const fit = fitWithCrossValidation(fitOn, routes, configured);
      const fitted = fit.thresholds;
      const before = report(checkOn, routes, configured);
      const after = report(checkOn, routes, fitted);
      if (values.json) {
        io.out(JSON.stringify({ router: router.name, encoder: examples.encoderName, prompts: scored.length, fittedOn: fitOn.length, checkedOn: checkOn.length, configured: Object.fromEntries(configured), fitted: Object.fromEntries(fitted), kept: fit.kept, crossValidated: { before: fit.cvBefore, after: fit.cvAfter, fittedThresholds: Object.fromEntries(fit.fitted) }, before, after }, null, 2));
        return 0;
      }
      const where = holdout > 0 ? `${checkOn.length} held-out prompts (fitted on the other ${fitOn.length})` : `all ${scored.length} prompts (no holdout: the fitted figures flatter)`;
      io.out(`Router "${router.name}", encoder ${examples.encoderName}: ${scored.length} labelled prompts; measured on ${where}.\n`);
      io.out(
        formatTable(
          ['route', 'threshold', 'precision', 'recall', 'fitted', 'precision', 'recall', 'n'],
          routes.map((route, index) => {
            const old = before.routes[index];
            const next = after.routes[index];
            return [route, formatNumber(configured.get(route) ?? 0, 4), ratio(old?.precision), ratio(old?.recall), formatNumber(fitted.get(route) ?? 0, 4), ratio(next?.precision), ratio(next?.recall), String(next?.support ?? 0)];
          }),
        ),
      );
      io.out(`\nRouted right: ${formatPercent(before.accuracy)} with the configured thresholds, ${formatPercent(after.accuracy)} with the fitted ones.`);
      io.out(
        fit.kept
          ? `The fit holds up in 5-fold cross-validation on the fitting prompts (${formatPercent(fit.cvBefore)} → ${formatPercent(fit.cvAfter)}).`
          : `The fit does not hold up in 5-fold cross-validation on the fitting prompts (${formatPercent(fit.cvBefore)} → ${formatPercent(fit.cvAfter)}): the configured thresholds are kept.`,
      );
      if (after.accuracy < before.accuracy) {
        io.out(`On the held-out prompts the fitted thresholds do worse than the configured ones: keep the configured ones, or label more prompts.`);
      }
      io.out(`\nConfusion matrix with the fitted thresholds (rows: label, columns: routed; ${NO_ROUTE} = no example route, so rules or the default):\n`);
      io.out(confusion(after));
      io.out(`\nThresholds for routers.${router.name}.routes.<route>.when.threshold:\n`);
      for (const route of routes) io.out(`${route}: ${formatNumber(fitted.get(route) ?? 0, 4)}`);
      return 0;
    } finally {
      await gateway.close();
    }
  } catch (error) {
    return reportFailure(io, error, FIT_ROUTES_USAGE);
  }
}

function ratio(value: number | undefined): string {
  return value === undefined ? '-' : formatNumber(value, 2);
}

function confusion(result: FitReport): string {
  return formatTable(
    ['label \\ routed', ...result.labels],
    result.labels.map((label, row) => [label, ...(result.matrix[row] ?? []).map(String)]),
  );
}
