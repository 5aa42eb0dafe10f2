import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/seeded-random.js';
import { compareWithEnvelope, costToReach, gapCosts, hullAt, upperHull, type CostQuality } from './envelope.js';

const at = (cost: number, quality: number): CostQuality => ({ cost, quality });

/**
 * The best static mix costing at most `cost`, by brute force: every pair of points (a point with
 * itself is the model alone), every share that fits the budget. On a segment from a to b (a the
 * cheaper), quality is linear in the share, so the best share is an end or the budget's limit.
 */
function bestMixBruteForce(points: readonly CostQuality[], cost: number): number | undefined {
  let best: number | undefined;
  const consider = (quality: number): void => {
    if (best === undefined || quality > best) best = quality;
  };
  for (const first of points) {
    for (const second of points) {
      const [a, b] = first.cost <= second.cost ? [first, second] : [second, first];
      if (a.cost > cost) continue;
      consider(a.quality);
      if (b.cost <= cost) consider(b.quality);
      else consider(a.quality + ((b.quality - a.quality) * (cost - a.cost)) / (b.cost - a.cost));
    }
  }
  return best;
}

function randomPoints(random: () => number, count: number): CostQuality[] {
  // Costs on a coarse grid so ties in cost happen too.
  return Array.from({ length: count }, () => at(Math.round(random() * 40) / 10 + 0.1, Math.round(random() * 1000) / 1000));
}

describe('upperHull', () => {
  it('keeps the cheapest point, the best one, and those above every chord between them', () => {
    const a = at(1, 0.5);
    const belowChord = at(2, 0.6);
    const c = at(3, 0.9);
    const pastBest = at(4, 0.85);
    const dominated = at(2.5, 0.4);
    expect(upperHull([pastBest, c, dominated, belowChord, a])).toEqual([a, c]);
    // Lift B above the chord from A to C (0.7 at cost 2): now it is on the hull.
    const aboveChord = at(2, 0.75);
    expect(upperHull([a, aboveChord, c, pastBest])).toEqual([a, aboveChord, c]);
  });

  it('drops a point on a chord, a worse point at the same cost, and non-finite points', () => {
    expect(upperHull([at(1, 0.5), at(2, 0.6), at(3, 0.7)])).toEqual([at(1, 0.5), at(3, 0.7)]);
    expect(upperHull([at(1, 0.4), at(1, 0.5), at(2, 0.6), at(Number.NaN, 1)])).toEqual([at(1, 0.5), at(2, 0.6)]);
    expect(upperHull([at(1, 0.8), at(2, 0.8)])).toEqual([at(1, 0.8)]);
    expect(upperHull([])).toEqual([]);
  });

  it('equals the best two-model static mix over all pairs, by brute force, on random data', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 100; trial++) {
      const points = randomPoints(random, 1 + Math.floor(random() * 12));
      const hull = upperHull(points);
      const low = Math.min(...points.map((point) => point.cost));
      for (let step = 0; step <= 40; step++) {
        const cost = step * 0.1125;
        const expected = bestMixBruteForce(points, cost);
        const actual = hullAt(hull, cost);
        if (expected === undefined) expect(cost).toBeLessThan(low);
        else expect(actual).toBeCloseTo(expected, 12);
        if (cost < low) expect(actual).toBeUndefined();
      }
    }
  });
});

describe('hullAt and costToReach', () => {
  const hull = [at(1, 0.5), at(3, 0.9), at(5, 1)];

  it('interpolates between vertices, stays flat past the last and is undefined below the first', () => {
    expect(hullAt(hull, 0.99)).toBeUndefined();
    expect(hullAt(hull, 1)).toBe(0.5);
    expect(hullAt(hull, 2)).toBeCloseTo(0.7, 12);
    expect(hullAt(hull, 4)).toBeCloseTo(0.95, 12);
    expect(hullAt(hull, 9)).toBe(1);
    expect(hullAt([], 1)).toBeUndefined();
  });

  it('finds the least cost that reaches a quality, interpolated, or undefined when none does', () => {
    expect(costToReach(hull, 0.4)).toBe(1);
    expect(costToReach(hull, 0.7)).toBeCloseTo(2, 12);
    expect(costToReach(hull, 0.95)).toBeCloseTo(4, 12);
    expect(costToReach(hull, 1)).toBe(5);
    expect(costToReach(hull, 1.01)).toBeUndefined();
  });
});

describe('gapCosts', () => {
  it('spreads the costs evenly in log cost, strictly inside the range', () => {
    const costs = gapCosts(1, 64, 5);
    [2, 4, 8, 16, 32].forEach((expected, index) => expect(costs[index]).toBeCloseTo(expected, 10));
  });

  it('spreads them linearly when the cheapest cost is zero', () => {
    expect(gapCosts(0, 6, 5)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('compareWithEnvelope', () => {
  const envelope = [at(1, 0.5), at(3, 0.9)];

  it('gives the area between the curves over the cost range as mean quality, and the least gap', () => {
    // 0.1 above at cost 2, touching at both ends: a triangle of area 0.1 over a range of 2.
    const above = compareWithEnvelope(envelope, [at(1, 0.5), at(2, 0.8), at(3, 0.9)], { from: 1, to: 3 }, [2]);
    expect(above?.area).toBeCloseTo(0.05, 12);
    expect(above?.worst).toEqual({ cost: 1, gap: 0 });
    expect(above?.gaps[0]?.gap).toBeCloseTo(0.1, 12);
    expect(above?.gaps[0]?.envelope).toBeCloseTo(0.7, 12);
    expect(above?.gaps[0]?.router).toBeCloseTo(0.8, 12);
    const below = compareWithEnvelope(envelope, [at(1, 0.5), at(3, 0.7)], { from: 1, to: 3 }, []);
    expect(below?.area).toBeCloseTo(-0.1, 12);
    expect(below?.worst.cost).toBe(3);
    expect(below?.worst.gap).toBeCloseTo(-0.2, 12);
  });

  it('holds a router that stops early at its best quality, and starts where the router starts', () => {
    // +0.1 at cost 2, then flat at 0.8 against the envelope's 0.9 at 3.
    const early = compareWithEnvelope(envelope, [at(1, 0.5), at(2, 0.8)], { from: 1, to: 3 }, []);
    expect(early?.area).toBeCloseTo(0.025, 12);
    expect(early?.worst.gap).toBeCloseTo(-0.1, 12);
    const late = compareWithEnvelope(envelope, [at(2, 0.7), at(3, 0.9)], { from: 1, to: 3 }, [1.5]);
    expect(late?.from).toBe(2);
    expect(late?.area).toBeCloseTo(0, 12);
    expect(late?.gaps[0]).toEqual({ cost: 1.5, envelope: 0.6, router: undefined, gap: undefined });
    expect(compareWithEnvelope(envelope, [], { from: 1, to: 3 }, [])).toBeUndefined();
  });

  it('matches a fine numerical integration on random curves', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 50; trial++) {
      const models = upperHull(randomPoints(random, 2 + Math.floor(random() * 8)));
      const router = upperHull(randomPoints(random, 2 + Math.floor(random() * 8)));
      const from = Math.min(...models.map((point) => point.cost));
      const to = Math.max(from + 0.5, ...models.map((point) => point.cost));
      const result = compareWithEnvelope(models, router, { from, to }, []);
      if (result === undefined) continue;
      const steps = 20000;
      let sum = 0;
      let least = Infinity;
      for (let step = 0; step < steps; step++) {
        const cost = result.from + ((step + 0.5) / steps) * (result.to - result.from);
        const gap = (hullAt(router, cost) as number) - (hullAt(models, cost) as number);
        sum += gap;
        least = Math.min(least, gap);
      }
      expect(result.area).toBeCloseTo(sum / steps, 4);
      expect(result.worst.gap).toBeLessThanOrEqual(least + 1e-9);
      expect(result.worst.gap).toBeCloseTo(least, 3);
    }
  });
});
