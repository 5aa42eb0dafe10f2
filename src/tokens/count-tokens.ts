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

/** Token count of a text: exact for OpenAI's o200k models, an estimate for others (and until the tokenizer has loaded). */
export function countTokens(text: string): number {
  if (text === '') return 0;
  if (counter) return counter(text);
  // The first need starts the load in the background; this count is estimated.
  void loadTokenizer();
  return Math.ceil(text.length / 4);
}
