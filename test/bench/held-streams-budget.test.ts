import { describe, expect, it } from 'vitest';

// The benchmark is plain Node (.mjs, no types): imported by URL, with the shape it is used at.
type Held = { peakRssMb: number; liveKbPerStream: number };
type Verdict = { value: number | undefined; pass: boolean };
const { heldStreamsVerdicts, heldStreamsMedian } = (await import(new URL('../../bench/gateway/held-streams-budget.mjs', import.meta.url).href)) as {
  heldStreamsVerdicts: (rounds: { proxy: Held; switchyard: Held }[]) => { liveHeapRatio: Verdict; peakRssOverProxyMb: Verdict };
  heldStreamsMedian: (rounds: { proxy: Held; switchyard: Held }[], target: 'proxy' | 'switchyard') => Held;
};

const round = (proxy: Held, switchyard: Held) => ({ proxy, switchyard });

describe("issue 23's memory budget with 1,000 streams held open", () => {
  it('passes at 1.3× the proxy’s live heap per stream and 64 MB over its peak RSS, and not past either', () => {
    const atBudget = heldStreamsVerdicts([round({ peakRssMb: 189, liveKbPerStream: 10 }, { peakRssMb: 253, liveKbPerStream: 13 })]);
    expect(atBudget.liveHeapRatio).toEqual({ value: 1.3, pass: true });
    expect(atBudget.peakRssOverProxyMb).toEqual({ value: 64, pass: true });
    const past = heldStreamsVerdicts([round({ peakRssMb: 189, liveKbPerStream: 10 }, { peakRssMb: 254, liveKbPerStream: 13.2 })]);
    expect(past.liveHeapRatio.pass).toBe(false);
    expect(past.peakRssOverProxyMb).toEqual({ value: 65, pass: false });
  });

  it('judges the median of the rounds’ own ratios and differences, not the medians’ ratio', () => {
    const verdicts = heldStreamsVerdicts([
      round({ peakRssMb: 100, liveKbPerStream: 10 }, { peakRssMb: 200, liveKbPerStream: 20 }),
      round({ peakRssMb: 150, liveKbPerStream: 20 }, { peakRssMb: 170, liveKbPerStream: 22 }),
      round({ peakRssMb: 300, liveKbPerStream: 30 }, { peakRssMb: 330, liveKbPerStream: 36 }),
    ]);
    // Ratios 2, 1.1, 1.2 and differences 100, 20, 30 MB; the medians' ratio would read 22 / 20 = 1.1, their difference 200 − 150 = 50.
    expect(verdicts.liveHeapRatio.value).toBeCloseTo(1.2);
    expect(verdicts.peakRssOverProxyMb.value).toBe(30);
    expect(heldStreamsMedian([round({ peakRssMb: 1, liveKbPerStream: 5 }, { peakRssMb: 2, liveKbPerStream: 6 }), round({ peakRssMb: 3, liveKbPerStream: 7 }, { peakRssMb: 4, liveKbPerStream: 8 })], 'switchyard')).toEqual({ peakRssMb: 3, liveKbPerStream: 7 });
  });

  it('fails, unknown, when the proxy’s live heap per stream reads zero or less, instead of a ratio that passes anything', () => {
    const verdicts = heldStreamsVerdicts([round({ peakRssMb: 100, liveKbPerStream: -0.5 }, { peakRssMb: 120, liveKbPerStream: 20 })]);
    expect(verdicts.liveHeapRatio).toEqual({ value: undefined, pass: false });
    expect(verdicts.peakRssOverProxyMb.pass).toBe(true);
  });
});
