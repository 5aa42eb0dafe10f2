import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Embeddings of route examples from an embeddings model, kept in a JSON-lines file so a restart
 * does not pay for them again. Read and written at startup only, never on the request path.
 * Keyed by the deployment (provider and wire model) and the text, so a changed model or example
 * misses instead of returning a stale vector.
 */
export class EmbeddingCache {
  private entries: Map<string, Float32Array> | undefined;
  /** The file ends without a newline (a torn write): the next append starts a line of its own. */
  private torn = false;

  constructor(readonly path: string) {}

  static key(deployment: string, text: string): string {
    return createHash('sha256').update(deployment).update('\0').update(text).digest('hex');
  }

  get(key: string): Float32Array | undefined {
    return this.load().get(key);
  }

  /** Adds vectors and appends them to the file; a file that cannot be written only costs the next restart. */
  add(vectors: readonly { key: string; vector: Float32Array }[]): string | undefined {
    const entries = this.load();
    let lines = '';
    for (const { key, vector } of vectors) {
      entries.set(key, vector);
      lines += `${JSON.stringify({ key, vector: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') })}\n`;
    }
    if (lines === '') return undefined;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      appendFileSync(this.path, this.torn ? `\n${lines}` : lines);
      this.torn = false;
      return undefined;
    } catch (error) {
      return `could not write the embedding cache ${this.path}: ${(error as Error).message}`;
    }
  }

  private load(): Map<string, Float32Array> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return this.entries;
    }
    this.torn = text !== '' && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      // A torn last line (a crash mid-write) or a hand-edited one is skipped, not fatal: it is only a cache.
      try {
        const { key, vector } = JSON.parse(line) as { key: unknown; vector: unknown };
        if (typeof key !== 'string' || typeof vector !== 'string') continue;
        const bytes = Buffer.from(vector, 'base64');
        if (bytes.length === 0 || bytes.length % 4 !== 0) continue;
        this.entries.set(key, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
      } catch {
        continue;
      }
    }
    return this.entries;
  }
}
