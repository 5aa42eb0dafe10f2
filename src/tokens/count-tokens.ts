type Counter = (text: string) => number;

let counter: Counter | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the o200k tokenizer (GPT-4o/4.1/5 family): about 200 ms and 70 MB of memory, so it is
 * loaded only when something needs counts (an upstream that reports no usage, a prompt near a
 * context window, the mock provider). Until it is ready, counts are estimated from the length
 * (about 4 characters per token for English).
 */
export function loadTokenizer(): Promise<void> {
  if (!loading) {
    loading = import('gpt-tokenizer/encoding/o200k_base').then((module) => {
      // Text that happens to contain "<|endoftext|>" is counted as text, not rejected.
      const options = { disallowedSpecial: new Set<string>() };
      counter = (text) => module.countTokens(text, options);
    });
    // A load that failed is tried again at the next need.
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/**
 * BPE's work on one piece of text (a run the tokenizer's pattern does not split: letters,
 * punctuation or whitespace) grows with the square of its length: 16 K of "~" take 0.24 s, 64 K
 * take 2.4 s, and a 32 MB prompt would hold the event loop for hours. Runs longer than this are
 * counted slice by slice: linear, and off by at most a token per slice in text no one writes.
 */
const MAX_RUN = 64;
const LETTERS = String.raw`[\p{L}\p{M}]`;
const SYMBOLS = String.raw`[^\s\p{L}\p{M}\p{N}]`;
// Each alternative only starts where its run starts (the lookbehinds), so the scan is linear.
const LONG_RUN = new RegExp(String.raw`(?<!${LETTERS})${LETTERS}{${MAX_RUN},}|(?<!${SYMBOLS})${SYMBOLS}{${MAX_RUN},}|(?<!\s)\s{${MAX_RUN},}`, 'gu');
/** Every long run is inside one of these; most text has none, and this test is several times quicker than LONG_RUN's scan. */
const MAYBE_LONG_RUN = new RegExp(String.raw`(?<!\S)\S{${MAX_RUN}}|(?<!\s)\s{${MAX_RUN}}`);

/** What `countInBoundedPieces` reads, as a parameter so that the token counter's worker can run the same function. */
export type RunPatterns = { long: RegExp; maybeLong: RegExp; maxRun: number };
export const RUN_PATTERNS: RunPatterns = { long: LONG_RUN, maybeLong: MAYBE_LONG_RUN, maxRun: MAX_RUN };

/**
 * `count` summed over pieces of `text` no longer than MAX_RUN within a long run (exported for its
 * tests and for the token counter's worker, which runs this very function from its source text: it
 * may refer to nothing outside its parameters).
 */
export function countInBoundedPieces(count: Counter, text: string, runs: RunPatterns = RUN_PATTERNS): number {
  if (!runs.maybeLong.test(text)) return count(text);
  let total = 0;
  let from = 0;
  const long = runs.long;
  long.lastIndex = 0;
  for (let run = long.exec(text); run !== null; run = long.exec(text)) {
    if (run.index > from) total += count(text.slice(from, run.index));
    const end = run.index + run[0].length;
    for (let at = run.index; at < end; ) {
      let cut = Math.min(at + runs.maxRun, end);
      // Never between the two halves of a surrogate pair.
      const unit = text.charCodeAt(cut);
      if (cut < end && unit >= 0xdc00 && unit <= 0xdfff) cut++;
      total += count(text.slice(at, cut));
      at = cut;
    }
    from = end;
  }
  return total + (from < text.length ? count(text.slice(from)) : 0);
}

/**
 * The longest o200k token, in UTF-8 bytes (128 spaces; checked against the vocabulary by a test): a
 * text of N bytes is at least N / 128 tokens, a lower bound that costs no tokenizing.
 */
export const MAX_TOKEN_BYTES = 128;

/** Whether counts are exact yet (the tokenizer has loaded). */
export function tokenizerLoaded(): boolean {
  return counter !== undefined;
}

/** Token count of a text: exact for OpenAI's o200k models, an estimate for others (and until the tokenizer has loaded). */
export function countTokens(text: string): number {
  if (text === '') return 0;
  if (counter) return countInBoundedPieces(counter, text);
  // The first need starts the load in the background; this count is estimated.
  void loadTokenizer();
  return Math.ceil(text.length / 4);
}
