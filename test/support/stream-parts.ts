import type { StreamPart } from '../../src/spec/stream-part.js';

/** Every part of a model's stream, read to its end. */
export async function partsOf(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const all: StreamPart[] = [];
  for await (const part of parts) all.push(part);
  return all;
}

/** What a stream's parts say, for a test to compare: its text, how it finished, its token counts. */
export function answerOf(parts: readonly StreamPart[]): { text: string; finish: string | undefined; usage: { inputTokens: number | undefined; outputTokens: number | undefined } | undefined } {
  const text = parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
  const finish = parts.find((part) => part.type === 'finish');
  const usage = parts.find((part) => part.type === 'usage');
  return {
    text,
    finish: finish?.type === 'finish' ? finish.finishReason.unified : undefined,
    usage: usage?.type === 'usage' ? { inputTokens: usage.usage.inputTokens, outputTokens: usage.usage.outputTokens } : undefined,
  };
}
