/**
 * Where a text can be cut without changing its o200k count: right after a letter that is followed
 * by neither a letter, a combining mark nor an apostrophe (a contraction such as "'s"). The
 * tokenizer's pattern ends a piece there whatever follows and none of its alternatives looks
 * behind, and no long run (see `countInBoundedPieces`) spans it, so each side splits into the
 * same pieces, and tokens, as in the whole text.
 */
const PIECE_END = /\p{L}(?=[^\p{L}\p{M}'])/gu;
/** Most text has a piece end within a few characters; this is searched first, before the whole second half of a slice. */
const NEAR = 1_024;

/** The last safe cut in text[from, to], if there is one. */
function lastPieceEnd(text: string, from: number, to: number): number | undefined {
  // Searched in a view of the range (and the character after `to`, which the lookahead reads), so
  // that a text with no piece end is not scanned to its end for each slice.
  const range = text.slice(from, to + 2);
  let cut: number | undefined;
  PIECE_END.lastIndex = 0;
  for (let found = PIECE_END.exec(range); found !== null; found = PIECE_END.exec(range)) {
    const end = from + found.index + found[0].length;
    if (end > to) break;
    cut = end;
  }
  return cut;
}

/**
 * Batches of texts to count, each about `size` characters at most: short texts are grouped, a
 * long one is cut at piece ends so that the sum of the batches' counts is the whole count. A text
 * with no piece end in the second half of a slice (a run of one character, no letters) is cut
 * anyway, which may move its count by a token per cut: text no one writes, already counted in
 * slices (`countInBoundedPieces`). Lazy: a count stopped by its budget cuts no further.
 */
export function* slicesForCounting(texts: readonly string[], size: number): Generator<string[]> {
  let batch: string[] = [];
  let batchChars = 0;
  for (const text of texts) {
    let from = 0;
    while (text.length - from > size - batchChars) {
      const to = from + size - batchChars;
      if (batchChars > 0 && size - batchChars < NEAR) {
        // Too little room left in this batch for a useful slice: send it and start the next.
        yield batch;
        batch = [];
        batchChars = 0;
        continue;
      }
      let cut = lastPieceEnd(text, Math.max(from, to - NEAR), to) ?? lastPieceEnd(text, from + Math.floor((to - from) / 2), to) ?? to;
      // Never between the two halves of a surrogate pair.
      const unit = text.charCodeAt(cut);
      if (unit >= 0xdc00 && unit <= 0xdfff) cut++;
      batch.push(text.slice(from, cut));
      yield batch;
      batch = [];
      batchChars = 0;
      from = cut;
    }
    if (from < text.length) {
      batch.push(from === 0 ? text : text.slice(from));
      batchChars += text.length - from;
    }
  }
  if (batch.length > 0) yield batch;
}
