import { createHash } from 'node:crypto';

/**
 * The prompt cache of the fake Anthropic upstream, simulated the way Anthropic documents it, so
 * that a conversation's cache reads and writes come out of the requests themselves: the prompt is
 * the blocks of `tools`, then `system`, then `messages`, in that order; a block with
 * `cache_control` is a breakpoint, and the prefix ending there is written with the breakpoint's
 * TTL; a later request reads the longest cached prefix that ends at most 20 blocks before one of
 * its breakpoints (so a conversation that grows by a turn still hits), and a hit refreshes the
 * TTL. Caches are per model: the same prompt sent to another model reads nothing.
 */

export type PromptBlock = { key: string; tokens: number; ttl: CacheTtl | undefined };

export type CacheTtl = '5m' | '1h';

/** How one request's input tokens split, as Anthropic reports them. */
export type CacheOutcome = { uncached: number; read: number; written5m: number; written1h: number };

const TTL_MS: Record<CacheTtl, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };
const LOOKBACK_BLOCKS = 20;

/** The fake's token count: a quarter of the characters of the JSON, rounded up (deterministic, so tests can compute it). */
export function fakeTokens(value: unknown): number {
  return Math.ceil((typeof value === 'string' ? value : JSON.stringify(value) ?? '').length / 4);
}

/** The request's prompt as blocks in cache order; `cache_control` marks a breakpoint and does not change the key. */
export function promptBlocks(body: Record<string, unknown>): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  const add = (block: unknown, role?: string): void => {
    const { cache_control: cacheControl, ...rest } = (typeof block === 'object' && block !== null ? block : { text: block }) as Record<string, unknown>;
    const key = JSON.stringify(role === undefined ? rest : { role, ...rest });
    const ttl = typeof cacheControl === 'object' && cacheControl !== null ? ((cacheControl as { ttl?: CacheTtl }).ttl ?? '5m') : undefined;
    blocks.push({ key, tokens: fakeTokens(key), ttl });
  };
  for (const tool of arrayOf(body['tools'])) add(tool);
  const system = body['system'];
  for (const block of typeof system === 'string' ? [{ type: 'text', text: system }] : arrayOf(system)) add(block);
  for (const message of arrayOf(body['messages'])) {
    const { role, content } = message as { role?: string; content?: unknown };
    for (const block of typeof content === 'string' ? [{ type: 'text', text: content }] : arrayOf(content)) add(block, role);
  }
  return blocks;
}

export function promptTokens(blocks: PromptBlock[]): number {
  return blocks.reduce((sum, block) => sum + block.tokens, 0);
}

export class FakePromptCache {
  private readonly entries = new Map<string, { expiresAt: number; ttl: CacheTtl }>();

  constructor(
    private readonly now: () => number,
    /** Anthropic caches nothing shorter than a model's minimum (1024 to 4096 tokens); 0 caches any prefix. */
    private readonly minTokens: number,
  ) {}

  apply(model: string, blocks: PromptBlock[]): CacheOutcome {
    const hash = createHash('sha256').update(model);
    const digests: string[] = [];
    const ends: number[] = [];
    let total = 0;
    for (const block of blocks) {
      hash.update(`${block.key}\u0000`);
      total += block.tokens;
      ends.push(total);
      digests.push(hash.copy().digest('hex'));
    }
    const breakpoints = blocks.flatMap((block, index) => (block.ttl ? [index] : []));

    let hit = -1;
    for (const breakpoint of breakpoints) {
      for (let index = breakpoint; index >= Math.max(0, breakpoint - LOOKBACK_BLOCKS + 1) && index > hit; index--) {
        if (this.live(digests[index] ?? '')) {
          hit = index;
          break;
        }
      }
    }
    const read = hit >= 0 ? (ends[hit] ?? 0) : 0;
    if (hit >= 0) this.refresh(digests[hit] ?? '');

    const written: Record<CacheTtl, number> = { '5m': 0, '1h': 0 };
    let cachedUpTo = read;
    for (const breakpoint of breakpoints) {
      const end = ends[breakpoint] ?? 0;
      const ttl = blocks[breakpoint]?.ttl ?? '5m';
      if (end <= cachedUpTo || end < this.minTokens) continue;
      written[ttl] += end - cachedUpTo;
      cachedUpTo = end;
      this.entries.set(digests[breakpoint] ?? '', { ttl, expiresAt: this.now() + TTL_MS[ttl] });
    }
    return { uncached: total - cachedUpTo, read, written5m: written['5m'], written1h: written['1h'] };
  }

  clear(): void {
    this.entries.clear();
  }

  private live(digest: string): boolean {
    const entry = this.entries.get(digest);
    if (entry && entry.expiresAt <= this.now()) this.entries.delete(digest);
    return entry !== undefined && entry.expiresAt > this.now();
  }

  private refresh(digest: string): void {
    const entry = this.entries.get(digest);
    if (entry) entry.expiresAt = this.now() + TTL_MS[entry.ttl];
  }
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
