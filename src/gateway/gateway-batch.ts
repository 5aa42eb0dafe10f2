import { InternalError, InvalidRequestError } from '../errors/request-errors.js';
import { SwitchyardError } from '../errors/switchyard-error.js';
import type { RoutingHints } from '../routing/routing.js';
import type { ChatRequest } from '../spec/chat-request.js';
import { CancellationSource } from '../util/cancellation.js';
import type { CallContext, GenerateOutcome } from './gateway.js';

/** One request of a batch: a bare canonical request (its id is its position), or one with the id its result carries and routing hints. */
export type BatchItem = ChatRequest | { id: string; request: ChatRequest; hints?: RoutingHints };

/** What became of one request: the gateway's outcome, or `rejected` when it threw before routing (an unknown model, an invalid hint). */
export type BatchOutcome = GenerateOutcome | { type: 'rejected'; error: SwitchyardError };

/** `index`: the item's position in the input (0-based), whatever order results come in. */
export type BatchResult = { id: string; index: number; outcome: BatchOutcome };

export type BatchOptions = {
  /** How many requests run at once (default 8). */
  concurrency?: number;
  /** Aborting it stops starting new requests; those in flight finish and are yielded. */
  signal?: AbortSignal;
};

export const DEFAULT_BATCH_CONCURRENCY = 8;

type Generate = (request: ChatRequest, context: CallContext) => Promise<GenerateOutcome>;

/**
 * Runs the items through `generate`, at most `concurrency` at a time, and yields each result as
 * it finishes. An item is read from the input only when a slot is free (a result the caller has
 * not taken yet holds its slot), so memory stays bounded whatever the input's length. A caller that stops iterating early aborts the calls in flight and
 * waits for them to settle.
 */
export async function* runBatch(generate: Generate, items: Iterable<BatchItem> | AsyncIterable<BatchItem>, options: BatchOptions = {}): AsyncGenerator<BatchResult> {
  const concurrency = options.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidRequestError(`batch concurrency must be an integer >= 1, got ${String(concurrency)}.`, { param: 'concurrency' });
  }
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  // In-flight calls are cut only when the caller walks away: the caller's signal stops new starts, not these.
  const inFlight = new CancellationSource();
  const finished: BatchResult[] = [];
  let wake: (() => void) | undefined;
  let running = 0;
  let index = 0;
  let exhausted = false;
  const start = (item: BatchItem, position: number): void => {
    const { id, request, hints } = 'request' in item ? item : { id: String(position), request: item, hints: undefined };
    running++;
    void settle(generate, request, hints ? { signal: inFlight, hints } : { signal: inFlight }).then((outcome) => {
      running--;
      finished.push({ id, index: position, outcome });
      wake?.();
    });
  };
  try {
    for (;;) {
      // Answers not yet taken hold a slot too: a consumer slower than the upstream cannot make them pile up.
      while (!exhausted && running + finished.length < concurrency && options.signal?.aborted !== true) {
        const next = await iterator.next();
        if (next.done === true) exhausted = true;
        else start(next.value, index++);
      }
      const result = finished.shift();
      if (result) {
        yield result;
        continue;
      }
      if (running === 0) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    if (running > 0) {
      inFlight.abort();
      while (running > 0) await new Promise<void>((resolve) => (wake = resolve));
    }
    if (!exhausted) await iterator.return?.();
  }
}

/** Never rejects: a throw becomes a `rejected` outcome, so one bad item cannot end the batch. */
async function settle(generate: Generate, request: ChatRequest, context: CallContext): Promise<BatchOutcome> {
  try {
    return await generate(request, context);
  } catch (thrown) {
    return { type: 'rejected', error: SwitchyardError.isInstance(thrown) ? thrown : new InternalError('Internal error in the gateway.', thrown) };
  }
}
