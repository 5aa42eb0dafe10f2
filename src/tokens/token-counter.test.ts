import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens, loadTokenizer } from './count-tokens.js';
import { slicesForCounting } from './slices-for-counting.js';
import { TokenCounter } from './token-counter.js';

const prose = 'The quick brown fox jumps over the lazy dog. It isn’t lazy, it’s tired! Numbers: 3.14159, 2,718 and 42.\n';
const code = 'export function f(a: number): number {\n  return a * 2; // doubled\n}\n';
const japanese = '漢字かな交じり文、日本語の文章です。';
const mixed = `${prose}${code}${japanese}Ünïcödé façade — naïve café; 😀 emoji 👍🏽 too. https://example.com/path?q=1\n`;
const exact = (texts: readonly string[]): number => texts.reduce((sum, text) => sum + countTokens(text), 0);

const counters: TokenCounter[] = [];
function counter(options: ConstructorParameters<typeof TokenCounter>[0] = {}): TokenCounter {
  const made = new TokenCounter(options);
  counters.push(made);
  return made;
}

// Small slices: hundreds of cuts, each of which would move a count if it were in the wrong place.
const sliced = counter({ sliceChars: 4_096 });

beforeAll(async () => {
  await loadTokenizer();
});

afterAll(async () => {
  await Promise.all(counters.map((made) => made.terminate()));
});

describe('TokenCounter', () => {
  it('counts exactly what this thread counts, text as people write it cut in many slices', async () => {
    const texts = ['user', mixed.repeat(600), 'system', prose, `${japanese.repeat(2_000)}\n${code.repeat(300)}`];
    const result = await sliced.count(texts);
    expect(result).toEqual({ tokens: exact(texts), exact: true });
  });

  it('counts nothing as zero without starting a worker', async () => {
    const idle = counter();
    expect(await idle.count(['', ''])).toEqual({ tokens: 0, exact: true });
  });

  it('stops at its time budget and returns an estimate that says so', async () => {
    const text = mixed.repeat(40_000); // about 5 M characters: seconds of counting
    // Small slices, and a worker that has counted before: slices come back within the budget.
    const budgeted = counter({ budgetMs: 300, sliceChars: 2_048 });
    await budgeted.count([mixed.repeat(100)]);
    const started = performance.now();
    const result = await budgeted.count([text]);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.exact).toBe(false);
    if (result.exact) return;
    // Extrapolated from the counted part of a uniform text: close to the real count. (A machine so
    // loaded that the worker got no slice done in time estimates from the length alone.)
    const counted = /^counting ran past its 300 ms budget; (?:\d+ of \d+ characters counted, the rest extrapolated|estimated from (\d+) characters)$/.exec(result.detail);
    expect(counted, result.detail).not.toBeNull();
    const real = exact([mixed]) * 40_000;
    if (counted?.[1] === undefined) expect(Math.abs(result.tokens - real) / real).toBeLessThan(0.05);
    else expect(result.tokens).toBe(Math.ceil(text.length / 4));
  });

  it('starts a new worker after one dies, and a count it was serving becomes an estimate', async () => {
    const dying = counter();
    expect(await dying.count([prose])).toEqual({ tokens: exact([prose]), exact: true });
    const interrupted = dying.count([mixed.repeat(40_000)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await dying.terminate();
    const result = await interrupted;
    expect(result.exact).toBe(false);
    if (!result.exact) expect(result.detail).toMatch(/^the token counter failed \(the worker exited with code 1\)/);
    expect(await dying.count([prose])).toEqual({ tokens: exact([prose]), exact: true });
  });

  it('estimates from the length when its tokenizer cannot load', async () => {
    const broken = counter({ tokenizer: '/nonexistent/tokenizer.js' });
    const result = await broken.count(['x'.repeat(400)]);
    expect(result).toEqual({ tokens: 100, exact: false, detail: expect.stringMatching(/^the token counter failed \(Cannot find module '\/nonexistent\/tokenizer.js'\); estimated from 400 characters$/) as unknown });
  });

  it('counts concurrent requests side by side, slice by slice', async () => {
    const long = sliced.count([mixed.repeat(2_000)]);
    const short = sliced.count([prose]);
    let longDone = false;
    void long.then(() => (longDone = true));
    expect(await short).toEqual({ tokens: exact([prose]), exact: true });
    // The short count did not wait for the long one to finish.
    expect(longDone).toBe(false);
    expect((await long).exact).toBe(true);
  });
});

describe('slicesForCounting', () => {
  it('covers every character once, in order, in batches no larger than asked', () => {
    const texts = ['a'.repeat(10_000), 'user', mixed.repeat(50), '😀'.repeat(5_000), '', japanese.repeat(300)];
    const batches = [...slicesForCounting(texts, 1_000)];
    expect(batches.flat().join('')).toBe(texts.join(''));
    for (const batch of batches) expect(batch.reduce((sum, text) => sum + text.length, 0)).toBeLessThanOrEqual(1_001);
  });

  it('cuts text as people write it only where a piece of the tokenizer ends', () => {
    const text = mixed.repeat(100);
    const slices = [...slicesForCounting([text], 2_000)].flat();
    expect(slices.length).toBeGreaterThan(5);
    expect(slices.reduce((sum, slice) => sum + countTokens(slice), 0)).toBe(countTokens(text));
  });

  it('never cuts a surrogate pair in two', () => {
    const slices = [...slicesForCounting(['😀'.repeat(3_000)], 1_001)].flat();
    // A lone half of a pair would be a replacement character after a round trip through UTF-8.
    for (const slice of slices) expect(Buffer.from(slice).toString()).toBe(slice);
  });
});
