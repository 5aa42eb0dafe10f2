import { describe, expect, it } from 'vitest';
import { ProviderConnectionError } from '../errors/provider-errors.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../spec/reliability.js';
import type { StreamPart } from '../spec/stream-part.js';
import type { Attempt } from '../spec/trace.js';
import type { Usage } from '../spec/usage.js';
import { CancellationSource } from '../util/cancellation.js';
import { AttemptDeadline } from './attempt-deadline.js';
import { AttemptRecorder } from './attempt-recorder.js';
import { CommittedStream } from './committed-stream.js';

const SPEC: ModelSpec = {
  name: 'model-x',
  provider: 'prov',
  wireModel: 'model-x',
  price: { input: 1, cachedInput: undefined, cacheWrite: undefined, output: 2 },
  contextWindow: undefined,
  maxOutput: undefined,
  capabilities: { tools: undefined, jsonSchema: undefined, vision: undefined, streaming: undefined, reasoning: undefined, builtinTools: undefined },
  reliability: DEFAULT_RELIABILITY,
  origin: 'config',
};
// Reported, so that no tokenizer is loaded to estimate it.
const USAGE: Usage = { inputTokens: 3, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 2, reasoningTokens: undefined, estimated: false };
const text = (value: string): StreamPart => ({ type: 'text-delta', choice: 0, text: value });

/** A committed stream over `rest`, the upstream's parts after `head`; `returned` counts the upstream's return() calls. */
function committed(head: StreamPart[], rest: StreamPart[]): { stream: CommittedStream; attempts: Attempt[]; returned: () => number } {
  let returns = 0;
  let at = 0;
  const upstream: AsyncIterator<StreamPart> = {
    next: () => Promise.resolve(at < rest.length ? { done: false, value: rest[at++] as StreamPart } : { done: true, value: undefined }),
    return: () => {
      returns++;
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  const attempts: Attempt[] = [];
  const deadline = new AttemptDeadline(new CancellationSource(), SPEC.reliability.timeout, true);
  const stream = new CommittedStream(head, upstream, { target: { spec: SPEC, breaker: undefined, permit: undefined }, recorder: new AttemptRecorder(SPEC), deadline, attempts, request: createChatRequest('model-x', 'hi') });
  return { stream, attempts, returned: () => returns };
}

async function drain(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('CommittedStream', () => {
  it('sends the head, then the rest, with the usage held back to the end; records the attempt before it says done', async () => {
    const { stream, attempts } = committed([text('a')], [{ type: 'usage', usage: USAGE }, text('b'), { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'stop' } }]);
    const parts = await drain(stream);
    expect(parts.map((part) => part.type)).toEqual(['text-delta', 'text-delta', 'finish', 'usage']);
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: USAGE });
    expect(attempts.map((attempt) => [attempt.outcome, attempt.usage])).toEqual([['ok', USAGE]]);
  });

  it('ends after an error part, recorded as the attempt failing, without reading further', async () => {
    const error = new ProviderConnectionError({ provider: 'prov', model: 'model-x' }, 'socket hang up');
    const { stream, attempts } = committed([text('a')], [{ type: 'usage', usage: USAGE }, { type: 'error', error }, text('never')]);
    const parts = await drain(stream);
    expect(parts.map((part) => part.type)).toEqual(['text-delta', 'error']);
    expect(attempts.map((attempt) => [attempt.outcome, attempt.error?.message, attempt.usage])).toEqual([['error', 'socket hang up', USAGE]]);
  });

  it('stopped by its consumer: stops the upstream too, and records the attempt as cancelled once', async () => {
    const { stream, attempts, returned } = committed([text('a')], [{ type: 'usage', usage: USAGE }, text('b'), text('c')]);
    for await (const part of stream) if (part.type === 'text-delta' && part.text === 'b') break;
    await stream.return();
    expect(returned()).toBe(1);
    expect(attempts.map((attempt) => [attempt.outcome, attempt.error?.kind])).toEqual([['error', 'aborted']]);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});
