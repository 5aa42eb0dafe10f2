import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { countInBoundedPieces, RUN_PATTERNS } from './count-tokens.js';
import { slicesForCounting } from './slices-for-counting.js';

/** A count of tokens: the tokenizer's (`exact`), or an estimate, with `detail` saying why. */
export type TokenCount = { tokens: number; exact: true } | { tokens: number; exact: false; detail: string };

/**
 * How long one count may take once the worker is up. Text as people write it counts at 5 to 10 MB
 * a second (Japanese at about 2 MB: 1 M characters in 1.5 s), so a prompt near a 1M-token window
 * (about 4 MB of English) is still counted exactly; past it a hostile prompt costs its request at
 * most this long and the worker about as much, and the rest is extrapolated from what was counted.
 */
export const COUNT_BUDGET_MS = 1_000;
/**
 * Characters per message to the worker. The main thread only cuts and posts them (a 32 K slice
 * costs it about 0.1 ms; a 30 MB string posted whole would cost 80 to 300 ms); the worker counts
 * one in 3 to 50 ms, which is how late a budget can stop and how long another count waits its turn.
 */
const SLICE_CHARS = 32_768;
/** Loading the tokenizer takes about 300 ms; not counted in a count's budget, but bounded. */
const START_TIMEOUT_MS = 10_000;

/**
 * The worker's code: plain JavaScript passed as a string (`eval: true`) so that it runs the same
 * from the sources (tests) and from the build. Its counting function is `countInBoundedPieces`
 * itself, from its source text, so both threads count alike.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { countTokens } = require(workerData.tokenizer);
// Text that happens to contain "<|endoftext|>" is counted as text, not rejected.
const options = { disallowedSpecial: new Set() };
const count = (text) => countTokens(text, options);
const runs = {
  long: new RegExp(workerData.runs.long.source, workerData.runs.long.flags),
  maybeLong: new RegExp(workerData.runs.maybeLong.source, workerData.runs.maybeLong.flags),
  maxRun: workerData.runs.maxRun,
};
const countInBoundedPieces = ${countInBoundedPieces.toString()};
parentPort.on('message', ({ id, texts }) => {
  let tokens = 0;
  for (const text of texts) tokens += countInBoundedPieces(count, text, runs);
  parentPort.postMessage({ id, tokens });
});
// Counting gives way to serving when the cores are busy (once the tokenizer has loaded, which every
// count waits for): on Linux a nice value is a thread's own, so this lowers the worker alone;
// elsewhere it would lower the whole process, so it is not done.
if (process.platform === 'linux') require('node:os').setPriority(19);
parentPort.postMessage({ ready: true });
`;

export type TokenCounterOptions = {
  budgetMs?: number;
  sliceChars?: number;
  /** The tokenizer module the worker requires (its `countTokens`); o200k by default. */
  tokenizer?: string;
};

type Reply = { id: number; tokens: number };

/**
 * Counts tokens off the event loop: in one long-lived worker thread that holds the tokenizer,
 * started on first need and again after it dies, never keeping the process alive when idle. A
 * count goes in slices, one at a time, so concurrent counts share the worker slice by slice, and
 * a count that runs out of its budget stops and is extrapolated.
 */
export class TokenCounter {
  private worker: Worker | undefined;
  private started: Promise<Worker> | undefined;
  private readonly waiting = new Map<number, { resolve: (tokens: number) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private counting = 0;
  private readonly budgetMs: number;
  private readonly sliceChars: number;
  private readonly tokenizer: string;

  constructor(options: TokenCounterOptions = {}) {
    this.budgetMs = options.budgetMs ?? COUNT_BUDGET_MS;
    this.sliceChars = options.sliceChars ?? SLICE_CHARS;
    this.tokenizer = options.tokenizer ?? createRequire(import.meta.url).resolve('gpt-tokenizer/encoding/o200k_base');
  }

  /** Counts under way. */
  get inFlight(): number {
    return this.counting;
  }

  /** The tokens of these texts, summed; an estimate (never a throw) when the budget runs out or the worker fails. */
  async count(texts: readonly string[]): Promise<TokenCount> {
    let total = 0;
    for (const text of texts) total += text.length;
    if (total === 0) return { tokens: 0, exact: true };
    this.counting++;
    this.worker?.ref();
    let countedChars = 0;
    let countedTokens = 0;
    const estimate = (why: string): TokenCount => {
      const tokens = countedChars > 0 ? countedTokens + Math.round(((total - countedChars) * countedTokens) / countedChars) : Math.ceil(total / 4);
      const counted = countedChars > 0 ? `${countedChars} of ${total} characters counted, the rest extrapolated` : `estimated from ${total} characters`;
      return { tokens, exact: false, detail: `${why}; ${counted}` };
    };
    try {
      const worker = await this.spawn();
      const deadline = performance.now() + this.budgetMs;
      for (const batch of slicesForCounting(texts, this.sliceChars)) {
        const left = deadline - performance.now();
        const tokens = left > 0 ? await this.send(worker, batch, left) : undefined;
        if (tokens === undefined) return estimate(`counting ran past its ${this.budgetMs} ms budget`);
        countedTokens += tokens;
        for (const text of batch) countedChars += text.length;
      }
      return { tokens: countedTokens, exact: true };
    } catch (error) {
      // The first line: a module that failed to load adds its require stack.
      return estimate(`the token counter failed (${(error as Error).message.split('\n')[0]})`);
    } finally {
      this.counting--;
      if (this.counting === 0) this.worker?.unref();
    }
  }

  /** Starts the worker ahead of the first count (it loads the tokenizer, about 300 ms). */
  async start(): Promise<void> {
    await this.spawn();
  }

  /** Stops the worker; a later count starts another. */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }

  private spawn(): Promise<Worker> {
    this.started ??= new Promise<Worker>((resolve, reject) => {
      const { long, maybeLong, maxRun } = RUN_PATTERNS;
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { tokenizer: this.tokenizer, runs: { long: { source: long.source, flags: long.flags }, maybeLong: { source: maybeLong.source, flags: maybeLong.flags }, maxRun } },
      });
      this.worker = worker;
      if (this.counting === 0) worker.unref();
      const timer = setTimeout(() => void worker.terminate(), START_TIMEOUT_MS);
      timer.unref();
      worker.on('message', (message: Reply | { ready: true }) => {
        if ('ready' in message) {
          clearTimeout(timer);
          resolve(worker);
          return;
        }
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        waiter?.resolve(message.tokens);
      });
      // An error is followed by 'exit'; the exit is where the worker is forgotten.
      let failure: Error | undefined;
      worker.on('error', (error) => {
        failure = error;
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        if (this.worker === worker) {
          this.worker = undefined;
          this.started = undefined;
        }
        const error = failure ?? new Error(`the worker exited with code ${code}`);
        reject(error);
        for (const waiter of this.waiting.values()) waiter.reject(error);
        this.waiting.clear();
      });
    });
    return this.started;
  }

  /** The tokens of one batch, or undefined when the worker has not answered within `timeoutMs`. */
  private send(worker: Worker, texts: string[], timeoutMs: number): Promise<number | undefined> {
    const id = this.nextId++;
    return new Promise<number | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (tokens) => {
          clearTimeout(timer);
          resolve(tokens);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      worker.postMessage({ id, texts });
    });
  }
}

/** The process's counter: one worker for every request. */
export const tokenCounter = new TokenCounter();
