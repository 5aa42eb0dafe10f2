// Reads `node --trace-gc` output (one line per collection, from each isolate of the process):
//   [pid:0x5a1c0]   12476 ms: Mark-Compact 92.5 (122.8) -> 22.3 (89.1) MB, 9.56 / 0.03 ms ...
// The heap after a full collection (22.3 MB here) is what the program still holds: a leak makes it
// grow, while RSS also moves with how much garbage V8 lets pile up between collections.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const LINE = /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: (Scavenge|Mark-Compact|Minor Mark-Compact)\b[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \(([\d.]+)\) MB/;

/**
 * The main isolate's collections (the isolate with the most; worker threads print theirs too), read
 * line by line from `path` (a soak's log, request lines included, can pass the 512 MB a string may
 * hold): seconds since the process started, whether it was full, the heap used after it and the
 * heap committed, in MB.
 */
export async function readGcEvents(path) {
  const byIsolate = new Map();
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (!line.startsWith('[')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const [, isolate, ms, kind, usedMb, committedMb] = match;
    if (!byIsolate.has(isolate)) byIsolate.set(isolate, []);
    byIsolate.get(isolate).push({ second: Number(ms) / 1000, full: kind === 'Mark-Compact', usedMb: Number(usedMb), committedMb: Number(committedMb) });
  }
  return [...byIsolate.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}
