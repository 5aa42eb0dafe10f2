/** A Llama Guard answer, read strictly: what it said, or why it is not an answer. */
export type LlamaGuardAnswer = { ok: true; safe: true } | { ok: true; safe: false; categories: string[] } | { ok: false; detail: string };

const CODE = /^S\d{1,2}$/;

/** Longest answer quoted back when it is not a verdict. */
const QUOTE_LIMIT = 80;

/**
 * `safe`, or `unsafe` then a line of comma-separated category codes (`S2` or `S1,S10`); surrounding
 * whitespace and a final newline are tolerated, nothing else: a guard that says anything else has
 * not given a verdict, and the router's `fail` decides.
 */
export function parseLlamaGuard(answer: string): LlamaGuardAnswer {
  const lines = answer.trim().split(/\r?\n/).map((line) => line.trim());
  const [verdict, codes, ...rest] = lines;
  if (verdict === 'safe' && codes === undefined) return { ok: true, safe: true };
  if (verdict === 'unsafe' && codes !== undefined && rest.length === 0) {
    const categories = codes.split(',').map((code) => code.trim());
    if (categories.every((code) => CODE.test(code))) return { ok: true, safe: false, categories };
  }
  const quoted = answer.length > QUOTE_LIMIT ? `${answer.slice(0, QUOTE_LIMIT)}…` : answer;
  return { ok: false, detail: `answered ${JSON.stringify(quoted)}, not "safe" or "unsafe" and a line of category codes` };
}
