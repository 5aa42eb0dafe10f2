type Counter = (text: string) => number;

let counter: Counter | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the o200k tokenizer (GPT-4o/4.1/5 family). It takes ~200 ms to load, so the gateway
 * starts loading it at startup instead of on a request; until it is ready, counts are estimated
 * from the length (about 4 characters per token for English).
 */
export function loadTokenizer(): Promise<void> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((module) => {
    // Text that happens to contain "<|endoftext|>" is counted as text, not rejected.
    const options = { disallowedSpecial: new Set<string>() };
    counter = (text) => module.countTokens(text, options);
  });
  return loading;
}

/** Token count of a text: exact for OpenAI's o200k models, an estimate for others. */
export function countTokens(text: string): number {
  if (text === '') return 0;
  return counter ? counter(text) : Math.ceil(text.length / 4);
}
