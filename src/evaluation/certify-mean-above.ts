/**
 * A one-sided test that the mean of bounded, independent draws lies above a bound, by betting
 * (Waudby-Smith & Ramdas, "Estimating means of bounded random variables by betting", JRSS-B 2023).
 *
 * A gambler starts with 1 and bets on each draw in turn that it exceeds `bound`, staking a share
 * chosen from the draws before it only. If the true mean is at most `bound`, the wealth is a
 * nonnegative supermartingale, so (Ville's inequality) it ever reaches 1/(1 − confidence) with
 * probability at most 1 − confidence. Reaching it certifies mean > bound at that confidence. The
 * stake adapts to the observed variance, so a low-variance difference (a router that mostly picks
 * the reference model, compared with a share of the reference) is certified on few draws, where
 * Hoeffding's bound, which only knows the range, would need many more.
 */
export function certifyMeanAbove(draws: ArrayLike<number>, bound: number, range: { low: number; high: number }, confidence: number): boolean {
  const width = range.high - range.low;
  if (!(width > 0)) return false;
  // On [0, 1]: draws y, null mean m.
  const m = (bound - range.low) / width;
  if (m >= 1) return false;
  if (m < 0) return draws.length > 0;
  const alpha = 1 - confidence;
  const n = draws.length;
  const target = 1 / alpha;
  // Stakes stay below 1/m so that a draw at the range's bottom cannot ruin the gambler; half of it as WSR suggest.
  const maxStake = m > 0 ? 0.5 / m : Number.POSITIVE_INFINITY;
  const tuning = 2 * Math.log(1 / alpha);
  let wealth = 1;
  let sum = 0;
  // WSR's predictable plug-in: a prior mean of 1/2 and variance of 1/4 count as one draw.
  let squares = 0.25;
  for (let t = 0; t < n; t++) {
    const variance = squares / (t + 1);
    const stake = Math.min(Math.sqrt(tuning / (n * variance)), maxStake);
    const y = ((draws[t] as number) - range.low) / width;
    wealth *= 1 + stake * (y - m);
    if (wealth >= target) return true;
    sum += y;
    squares += (y - (0.5 + sum) / (t + 2)) ** 2;
  }
  return false;
}
