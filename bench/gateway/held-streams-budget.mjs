// Issue 23's memory budget with 1,000 streams held open, against the minimal proxy in the same run
// (an absolute ceiling could not be met by the proxy itself: 189 to 211 MB of peak RSS).
// Pure arithmetic on held-streams-stage.mjs's rounds, so a test can hold it to the words.

export const HELD_STREAMS_BUDGET = {
  liveHeapRatio: 1.3, // Switchyard's live heap per open stream, at most this multiple of the proxy's
  peakRssOverProxyMb: 64, // Switchyard's peak RSS, at most this much above the proxy's
};

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * A round's live-heap ratio; undefined when the proxy's own figure is not above zero (the difference
 * of two heaps, so noise could make it so), where a ratio would pass any budget without meaning it.
 */
const liveHeapRatio = ({ proxy, switchyard }) => (proxy.liveKbPerStream > 0 ? switchyard.liveKbPerStream / proxy.liveKbPerStream : undefined);

/** A target's median over the rounds: peak RSS (MB) and live heap per open stream (KB), for the report. */
export const heldStreamsMedian = (rounds, target) => ({
  peakRssMb: median(rounds.map((round) => round[target].peakRssMb)),
  liveKbPerStream: median(rounds.map((round) => round[target].liveKbPerStream)),
});

/**
 * Both budgets over `rounds` ({ proxy, switchyard } measured back to back, each with `liveKbPerStream`
 * and `peakRssMb`): the median of the rounds' ratios and differences, so a round the machine slowed
 * (GC timing moves the peak) moves both sides of it. Undefined where no round could be read.
 */
export function heldStreamsVerdicts(rounds) {
  const ratio = median(rounds.map(liveHeapRatio));
  const rssOverProxyMb = median(rounds.map(({ proxy, switchyard }) => switchyard.peakRssMb - proxy.peakRssMb));
  return {
    liveHeapRatio: { value: ratio, pass: ratio !== undefined && ratio <= HELD_STREAMS_BUDGET.liveHeapRatio },
    peakRssOverProxyMb: { value: rssOverProxyMb, pass: rssOverProxyMb !== undefined && rssOverProxyMb <= HELD_STREAMS_BUDGET.peakRssOverProxyMb },
  };
}
