/**
 * The cost–quality envelope: what a fixed split of traffic can reach without any routing. A static
 * mixture sends a fixed share of requests to each of two models, so it lies on the segment between
 * their (cost, quality) points; the best mixture at each cost over all pairs is the upper concave
 * hull of the points. Spending less than a budget is always allowed, so past the best point the
 * envelope stays flat (a mix with a pricier, worse model never helps).
 *
 * The same hull applies to a router's sweep: mixing two settings of its parameter is a static
 * mixture too. Costs are mean USD per request.
 */

export type CostQuality = { cost: number; quality: number };

/** Twice the signed area of (a, b, c): ≥ 0 when b lies on or below the segment from a to c. */
function turn(a: CostQuality, b: CostQuality, c: CostQuality): number {
  return (b.cost - a.cost) * (c.quality - a.quality) - (b.quality - a.quality) * (c.cost - a.cost);
}

/**
 * The vertices of the upper concave hull of `points`, from the cheapest point to the best one
 * (the cheapest of the best on ties), in cost order. Non-finite points are ignored.
 */
export function upperHull<Point extends CostQuality>(points: readonly Point[]): Point[] {
  const sorted = points.filter((point) => Number.isFinite(point.cost) && Number.isFinite(point.quality)).sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const hull: Point[] = [];
  for (const point of sorted) {
    const last = hull.at(-1);
    // Same cost, lower or equal quality: never on the upper hull.
    if (last !== undefined && point.cost === last.cost) continue;
    while (hull.length >= 2 && turn(hull[hull.length - 2] as Point, hull[hull.length - 1] as Point, point) >= 0) hull.pop();
    hull.push(point);
  }
  // Concave, so quality rises to its maximum and then falls: keep the rising part.
  let best = 0;
  for (let index = 1; index < hull.length; index++) if ((hull[index] as Point).quality > (hull[best] as Point).quality) best = index;
  return hull.slice(0, best + 1);
}

/**
 * The quality of a hull (from `upperHull`) at `cost`: linear between vertices, flat past the last,
 * undefined below the first (nothing that cheap exists).
 */
export function hullAt(hull: readonly CostQuality[], cost: number): number | undefined {
  const first = hull[0];
  if (first === undefined || cost < first.cost) return undefined;
  for (let index = 1; index < hull.length; index++) {
    const right = hull[index] as CostQuality;
    if (cost <= right.cost) {
      const left = hull[index - 1] as CostQuality;
      return left.quality + ((right.quality - left.quality) * (cost - left.cost)) / (right.cost - left.cost);
    }
  }
  return (hull.at(-1) as CostQuality).quality;
}

/** The least cost at which a hull reaches `quality`, or undefined when it never does. */
export function costToReach(hull: readonly CostQuality[], quality: number): number | undefined {
  const first = hull[0];
  if (first === undefined) return undefined;
  if (first.quality >= quality) return first.cost;
  for (let index = 1; index < hull.length; index++) {
    const right = hull[index] as CostQuality;
    if (right.quality >= quality) {
      const left = hull[index - 1] as CostQuality;
      return left.cost + ((right.cost - left.cost) * (quality - left.quality)) / (right.quality - left.quality);
    }
  }
  return undefined;
}

/** `count` costs strictly between `from` and `to`, evenly spaced in log cost (linearly when `from` is not positive). */
export function gapCosts(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => {
    const share = (index + 1) / (count + 1);
    return from > 0 ? from * (to / from) ** share : from + (to - from) * share;
  });
}

export type GapAt = { cost: number; envelope: number | undefined; router: number | undefined; gap: number | undefined };

export type EnvelopeComparison = {
  /** The cost range compared: the cheapest to the most expensive single model (from the router's cheapest point when that is dearer). */
  from: number;
  to: number;
  /** The area between the router's hull and the envelope divided by the cost range: mean quality above the envelope, negative below. */
  area: number;
  /** Where the router is furthest below the envelope (or least above it): the smallest router − envelope over the range. */
  worst: { cost: number; gap: number };
  /** router − envelope at the given costs. */
  gaps: GapAt[];
};

/**
 * Compares a router's hull with the envelope over [from, to]. Both are piecewise linear, so the
 * difference is linear between the union of their vertices: the trapezoid rule there is exact, and
 * the smallest difference lies on one of those costs.
 */
export function compareWithEnvelope(
  envelope: readonly CostQuality[],
  router: readonly CostQuality[],
  range: { from: number; to: number },
  costs: readonly number[],
): EnvelopeComparison | undefined {
  const start = router[0];
  const cheapest = envelope[0];
  if (start === undefined || cheapest === undefined) return undefined;
  const from = Math.max(range.from, start.cost, cheapest.cost);
  const to = range.to;
  if (!(to > from)) return undefined;
  const breaks = [...new Set([from, to, ...[...envelope, ...router].map((point) => point.cost).filter((cost) => cost > from && cost < to)])].sort((a, b) => a - b);
  const difference = (cost: number): number => (hullAt(router, cost) as number) - (hullAt(envelope, cost) as number);
  let area = 0;
  let worst = { cost: from, gap: difference(from) };
  for (let index = 1; index < breaks.length; index++) {
    const left = breaks[index - 1] as number;
    const right = breaks[index] as number;
    const gap = difference(right);
    area += ((difference(left) + gap) / 2) * (right - left);
    if (gap < worst.gap) worst = { cost: right, gap };
  }
  const gaps = costs.map((cost): GapAt => {
    const atEnvelope = hullAt(envelope, cost);
    const atRouter = hullAt(router, cost);
    return { cost, envelope: atEnvelope, router: atRouter, gap: atEnvelope === undefined || atRouter === undefined ? undefined : atRouter - atEnvelope };
  });
  return { from, to, area: area / (to - from), worst, gaps };
}
