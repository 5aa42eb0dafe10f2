import type { ResolvedConfig } from '../config/resolved-config.js';
import type { RouterSpec } from '../routing/router-spec.js';
import type { ScoredExample } from '../learning/scored-data.js';
import { blendedPrice } from '../routing/policies/predicted/compile-predicted-policy.js';
import { offlineObstacle as policyObstacle, targetModels, type TargetSpec } from '../routing/policies/policy-registry.js';
import { Routing } from '../routing/routing.js';
import type { Prediction } from '../spec/decision.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import { estimatePromptTokens } from '../tokens/estimate-usage.js';
import { listNames } from '../util/describe-value.js';
import { seededRandom } from '../util/seeded-random.js';

/**
 * Replays scored data through a router without calling any model: each prompt is routed exactly
 * as the gateway would route it, and the chosen model's score and cost are looked up in the data.
 */

export class ReplayError extends Error {}

export type ReplayOptions = {
  /** Data model name → catalog model name, for data models not named as in the config. */
  map: ReadonlyMap<string, string>;
  /** Output tokens assumed per answer when the data has no costs (catalog price × tokens). */
  outputTokens: number;
  /** Draws for weighted load balancing; default a fixed seed, so the same data replays the same way. */
  random?: () => number;
};

/** The router's models as the data names them, with how each one's quality and cost are read. */
export type ModelColumn = {
  /** The catalog (config) name. */
  model: string;
  /** The name in the data. */
  data: string;
  /** Blended catalog price, for ordering by cost. */
  price: number;
};

export type ReplayRow = {
  example: ScoredExample;
  /** Index into `columns`; undefined when the request was blocked or no model was left. */
  chosen: number | undefined;
  route: string | null;
  prediction: Prediction | null;
  /** Per column: the example's score and cost for that model. */
  quality: Float64Array;
  cost: Float64Array;
};

export type Replay = {
  router: RouterSpec;
  columns: ModelColumn[];
  /** The models a route or the default can choose (the rest of `columns` are fallbacks or the reference). */
  targetModels: ReadonlySet<string>;
  /** Index of the router's reference model in `columns`, when the data scores it. */
  reference: number | undefined;
  rows: ReplayRow[];
  contaminated: number;
  /** Where costs came from: the data's `costs`, or catalog prices × estimated tokens. */
  costSource: 'data' | 'catalog';
};

/**
 * Why a router cannot be replayed offline, if it cannot: a signal that calls a model (an LLM
 * classifier, an embeddings encoder) or a policy whose outcome depends on the answers.
 */
export function offlineObstacle(router: RouterSpec): string | undefined {
  if (router.classifier?.type === 'llm') return `router "${router.name}" asks the LLM classifier "${router.classifier.model}" for each route, and eval calls no model`;
  if (router.encoder?.type === 'model') return `router "${router.name}" compares prompts with the embeddings model "${router.encoder.model}", and eval calls no model (the local encoder replays offline)`;
  for (const target of routerTargets(router)) {
    const obstacle = policyObstacle(target);
    if (obstacle) return `router "${router.name}" has a ${target.policy} policy, ${obstacle}`;
  }
  return undefined;
}

/** The targets of a router's routes, then its default. */
function routerTargets(router: RouterSpec): TargetSpec[] {
  return [...router.routes.flatMap((route) => (route.action.type === 'target' ? [route.action.target] : [])), router.defaultTarget];
}

export function routerModels(router: RouterSpec): string[] {
  return [...new Set(routerTargets(router).flatMap((target) => targetModels(target)))];
}

/** The router a command uses when none is named: `auto`, else the only router; undefined when that leaves a choice. */
export function defaultRouterName(config: ResolvedConfig): string | undefined {
  if (config.routers.has('auto')) return 'auto';
  return config.routers.size === 1 ? [...config.routers.keys()][0] : undefined;
}

export function pickRouter(config: ResolvedConfig, name: string | undefined): RouterSpec {
  const names = [...config.routers.keys()];
  const chosen = name ?? defaultRouterName(config);
  if (chosen === undefined) throw new ReplayError(`choose a router with --router; routers: ${listNames(names)}`);
  const router = config.routers.get(chosen);
  if (!router) throw new ReplayError(`router "${chosen}" does not exist in ${config.source}; routers: ${listNames(names)}`);
  return router;
}

export async function replay(config: ResolvedConfig, router: RouterSpec, examples: readonly ScoredExample[], options: ReplayOptions): Promise<Replay> {
  const obstacle = offlineObstacle(router);
  if (obstacle) throw new ReplayError(obstacle);
  const clean = examples.filter((example) => !example.contaminated);
  if (clean.length === 0) throw new ReplayError('every example is marked contaminated; nothing to evaluate');
  const toCatalog = (data: string): string => options.map.get(data) ?? data;
  const dataNames = new Set<string>();
  for (const example of clean) for (const name of Object.keys(example.scores)) dataNames.add(name);
  const byCatalog = new Map<string, string>();
  for (const data of dataNames) byCatalog.set(toCatalog(data), data);

  // Fallbacks come first only when a filter (context window) skips a target; the reference is the baseline.
  const wanted = new Set(routerModels(router));
  for (const next of router.fallbacks.values()) for (const model of next) wanted.add(model);
  if (router.reference !== undefined) wanted.add(router.reference);
  const required = new Set(routerModels(router));
  const columns: ModelColumn[] = [];
  for (const model of wanted) {
    const data = byCatalog.get(model);
    const spec = config.models.get(model);
    if (data === undefined || !spec || columns.some((column) => column.data === data)) continue;
    // A model only looked at as a fallback or the reference must be scored everywhere to be used.
    if (!required.has(model) && clean.some((example) => example.scores[data] === undefined)) continue;
    columns.push({ model, data, price: blendedPrice(spec) });
  }
  const columnOf = new Map(columns.map((column, index) => [column.model, index]));
  const missing = [...required].filter((model) => !columnOf.has(model));
  if (missing.length > 0) {
    throw new ReplayError(
      `router "${router.name}" can choose ${listNames(missing)}, which the data does not score. ` +
        `The data scores ${listNames(dataNames)}; map them with --map DATA_MODEL=CATALOG_MODEL.`,
    );
  }
  const unscored = clean.find((example) => columns.some((column) => example.scores[column.data] === undefined));
  if (unscored) {
    const absent = columns.filter((column) => unscored.scores[column.data] === undefined).map((column) => column.data);
    throw new ReplayError(`line ${unscored.line} (id "${unscored.id}") has no score for ${listNames(absent)}; every example needs a score for each model the router can choose`);
  }

  const everyCostGiven = clean.every((example) => columns.every((column) => example.costs?.[column.data] !== undefined));
  const routing = new Routing(config, { ignoreDisabledProviders: true, random: options.random ?? seededRandom(1) });
  const rows: ReplayRow[] = [];
  for (const example of clean) {
    const request = createChatRequest(router.name, example.messages);
    const { decision, steps } = await routing.route(request);
    const first = steps[0]?.specs[0];
    let tokens: number | undefined;
    const cost = Float64Array.from(columns, (column) => {
      const given = everyCostGiven ? example.costs?.[column.data] : undefined;
      if (given !== undefined) return given;
      tokens ??= estimatePromptTokens(request);
      const price = config.models.get(column.model)?.price;
      return price ? (tokens * price.input + options.outputTokens * price.output) / 1_000_000 : 0;
    });
    rows.push({
      example,
      chosen: first ? columnOf.get(first.name) : undefined,
      route: decision.route,
      prediction: decision.prediction,
      quality: Float64Array.from(columns, (column) => example.scores[column.data] as number),
      cost,
    });
  }
  return {
    router,
    columns,
    targetModels: required,
    reference: router.reference === undefined ? undefined : columnOf.get(router.reference),
    rows,
    contaminated: examples.length - clean.length,
    costSource: everyCostGiven ? 'data' : 'catalog',
  };
}
