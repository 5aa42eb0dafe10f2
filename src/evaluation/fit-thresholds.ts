/**
 * Threshold fitting for example routes (`switchyard fit-routes`): from prompts labelled with the
 * route they should take and their similarity to each example route, the thresholds that route
 * the most of them right, with per-route precision and recall and the confusion matrix.
 *
 * The decision rule is the router's (`ExampleRoutes`): the best-scoring route among those that
 * reach their threshold, ties to the route declared first; none reaching means no example route.
 */

/** What a prompt routes to when no example route reaches its threshold (a rule route or the default). */
export const NO_ROUTE = '(none)';

/** A labelled prompt's similarity to each example route (4 decimals, as the router compares them). */
export type ScoredPrompt = { id: string; label: string; scores: Readonly<Record<string, number>> };

export type RouteMetrics = { route: string; precision: number | undefined; recall: number | undefined; f1: number | undefined; support: number };

export type FitReport = {
  /** Example routes in declared order, then NO_ROUTE. */
  labels: string[];
  /** matrix[label][decided]: counts, in `labels` order. */
  matrix: number[][];
  accuracy: number;
  routes: RouteMetrics[];
};

/** The example route a prompt takes with these thresholds. */
export function decide(scores: Readonly<Record<string, number>>, routes: readonly string[], thresholds: ReadonlyMap<string, number>): string {
  let best: string | undefined;
  let bestScore = -Infinity;
  for (const route of routes) {
    const score = scores[route];
    if (score === undefined || score < (thresholds.get(route) ?? Infinity)) continue;
    if (score > bestScore) {
      best = route;
      bestScore = score;
    }
  }
  return best ?? NO_ROUTE;
}

/** A label that is not an example route (`default`, a rules-only route) should take no example route. */
export function expected(label: string, routes: readonly string[]): string {
  return routes.includes(label) ? label : NO_ROUTE;
}

export function report(prompts: readonly ScoredPrompt[], routes: readonly string[], thresholds: ReadonlyMap<string, number>): FitReport {
  const labels = [...routes, NO_ROUTE];
  const index = new Map(labels.map((label, position) => [label, position]));
  const matrix = labels.map(() => labels.map(() => 0));
  let correct = 0;
  for (const prompt of prompts) {
    const truth = expected(prompt.label, routes);
    const decided = decide(prompt.scores, routes, thresholds);
    (matrix[index.get(truth) as number] as number[])[index.get(decided) as number]! += 1;
    if (truth === decided) correct++;
  }
  const metrics = routes.map((route, position): RouteMetrics => {
    const hits = (matrix[position] as number[])[position] as number;
    const support = (matrix[position] as number[]).reduce((sum, count) => sum + count, 0);
    const decidedCount = matrix.reduce((sum, row) => sum + (row[position] as number), 0);
    const precision = decidedCount === 0 ? undefined : hits / decidedCount;
    const recall = support === 0 ? undefined : hits / support;
    const f1 = precision === undefined || recall === undefined || precision + recall === 0 ? undefined : (2 * precision * recall) / (precision + recall);
    return { route, precision, recall, f1, support };
  });
  return { labels, matrix, accuracy: prompts.length === 0 ? 0 : correct / prompts.length, routes: metrics };
}

/**
 * Coordinate ascent on accuracy: each route's threshold in turn is set to the value that routes
 * the most prompts right given the others', until nothing changes. One sweep over the prompts
 * sorted by that route's score finds it, so a pass costs O(routes × n log n). The value chosen
 * sits midway between the last prompt it lets in and the next one below, for a margin.
 */
export function fitThresholds(prompts: readonly ScoredPrompt[], routes: readonly string[], initial: ReadonlyMap<string, number>): Map<string, number> {
  const thresholds = new Map(initial);
  for (let pass = 0; pass < 20; pass++) {
    let changed = false;
    for (const [position, route] of routes.entries()) {
      const others = routes.filter((other) => other !== route);
      // Per prompt: what happens without this route, and whether it takes the prompt once it passes.
      const rows = prompts
        .map((prompt) => {
          const truth = expected(prompt.label, routes);
          const other = decide(prompt.scores, others, thresholds);
          const score = prompt.scores[route] ?? -Infinity;
          const otherScore = other === NO_ROUTE ? -Infinity : (prompt.scores[other] as number);
          const takes = score > otherScore || (score === otherScore && position < routes.indexOf(other));
          const gain = takes ? Number(truth === route) - Number(truth === other) : 0;
          return { score, gain };
        })
        .filter((row) => Number.isFinite(row.score))
        .sort((a, b) => b.score - a.score);
      // Threshold above every score: the route takes nothing (gain 0). Lowering it lets prompts in, best score first.
      const gains: { gain: number; at: number }[] = [{ gain: 0, at: -1 }];
      let gain = 0;
      for (let at = 0; at < rows.length; at++) {
        gain += (rows[at] as (typeof rows)[number]).gain;
        // Prompts with equal scores go in together.
        if (at + 1 < rows.length && (rows[at + 1] as (typeof rows)[number]).score === (rows[at] as (typeof rows)[number]).score) continue;
        gains.push({ gain, at });
      }
      // Of the cut points that score best, the middle one: the edge of a plateau is where a few
      // prompts decided it, and where new prompts are most likely to land on the wrong side.
      const top = Math.max(...gains.map((item) => item.gain));
      const plateau = gains.filter((item) => item.gain === top);
      const best = plateau[Math.floor((plateau.length - 1) / 2)] as (typeof plateau)[number];
      const value = best.at < 0 ? Math.min(1, (rows[0]?.score ?? 1) + 0.0001) : between((rows[best.at] as (typeof rows)[number]).score, rows[best.at + 1]?.score);
      const rounded = Math.round(value * 10_000) / 10_000;
      if (rounded !== thresholds.get(route)) {
        // Only move for a real gain (2 prompts, or 1% of them): a move that one prompt decides is noise.
        const current = report(prompts, routes, thresholds).accuracy;
        const next = report(prompts, routes, new Map(thresholds).set(route, rounded)).accuracy;
        if ((next - current) * prompts.length >= Math.max(2, 0.01 * prompts.length)) {
          thresholds.set(route, rounded);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return thresholds;
}

/** A threshold that lets `lowestIn` in and keeps `nextBelow` out, midway when there is room at 4 decimals. */
function between(lowestIn: number, nextBelow: number | undefined): number {
  if (nextBelow === undefined || lowestIn - nextBelow < 0.0002) return lowestIn;
  return Math.floor(((lowestIn + nextBelow) / 2) * 10_000) / 10_000;
}

/**
 * Fits, and checks the fit by k-fold cross-validation on the same prompts: the fitted thresholds
 * are kept only when, fitted on k-1 folds, they route the held-out fold better than the starting
 * ones. With a few hundred prompts a threshold fitted to the last prompt is easily worse.
 */
export function fitWithCrossValidation(
  prompts: readonly ScoredPrompt[],
  routes: readonly string[],
  initial: ReadonlyMap<string, number>,
  folds = 5,
): { thresholds: Map<string, number>; fitted: Map<string, number>; kept: boolean; cvBefore: number; cvAfter: number } {
  const fitted = fitThresholds(prompts, routes, initial);
  let before = 0;
  let after = 0;
  for (let fold = 0; fold < folds; fold++) {
    const test = prompts.filter((_, index) => index % folds === fold);
    const train = prompts.filter((_, index) => index % folds !== fold);
    if (test.length === 0 || train.length === 0) continue;
    before += report(test, routes, initial).accuracy * test.length;
    after += report(test, routes, fitThresholds(train, routes, initial)).accuracy * test.length;
  }
  const cvBefore = before / prompts.length;
  const cvAfter = after / prompts.length;
  const kept = cvAfter > cvBefore;
  return { thresholds: kept ? fitted : new Map(initial), fitted, kept, cvBefore, cvAfter };
}
