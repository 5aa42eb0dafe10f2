/**
 * How far the mean of `samples` independent scores in [0, 1] may sit below their true mean, with
 * chance at most `alpha` (Hoeffding's one-sided bound): sqrt(ln(1/alpha) / (2·samples)).
 */
export function hoeffdingMargin(samples: number, alpha: number): number {
  return Math.sqrt(Math.log(1 / alpha) / (2 * samples));
}
