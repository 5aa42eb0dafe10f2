import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { UsageError } from './cli-io.js';
import { readTextLines } from './read-text-lines.js';

/** Statuses of a line that is finished: a later run skips it. (`error` and `invalid` lines are tried again.) */
const DONE_STATUSES = new Set(['ok', 'blocked']);

export type ResumeState = {
  /** Ids with a finished result in OUT. */
  done: Set<string>;
  /** Bytes of a partly written last line cut off (a run killed while writing it); 0 when none. */
  repairedBytes: number;
};

/**
 * Reads an earlier run's OUT, if there is one: the ids it finished. A run killed while writing
 * leaves a last line without its newline (every result is one write ending in one): that part is
 * cut off, and the line is done again. A line that is not a result stops the run: OUT is some
 * other file, and appending to it would mix the two.
 */
export async function resumeOutput(path: string): Promise<ResumeState> {
  const done = new Set<string>();
  if (!existsSync(path)) return { done, repairedBytes: 0 };
  const repairedBytes = cutPartialLine(path);
  for await (const { line, text } of readTextLines(path)) {
    const record = parseRecord(text);
    if (record === undefined) throw new UsageError(`${path}:${line} is not a batch result (expected a JSON object with "id" and "status"); is --out another file?`);
    if (DONE_STATUSES.has(record.status)) done.add(record.id);
  }
  return { done, repairedBytes };
}

function parseRecord(text: string): { id: string; status: string } | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { id, status } = value as Record<string, unknown>;
    return typeof id === 'string' && typeof status === 'string' ? { id, status } : undefined;
  } catch {
    return undefined;
  }
}

/** Truncates the file after its last newline; returns how many bytes went. */
function cutPartialLine(path: string): number {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const read = readSync(fd, chunk, 0, end - start, start);
      const newline = chunk.subarray(0, read).lastIndexOf(0x0a);
      if (newline !== -1) {
        const keep = start + newline + 1;
        if (keep < size) ftruncateSync(fd, keep);
        return size - keep;
      }
      end = start;
    }
    if (size > 0) ftruncateSync(fd, 0);
    return size;
  } finally {
    closeSync(fd);
  }
}

/** Appends results to OUT, one synchronous write per line: a line is on disk once `write` returns, and a kill can cut at most the one being written. */
export class BatchOutput {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  write(record: Record<string, unknown>): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}
