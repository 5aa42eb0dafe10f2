import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major'; execution: 'sync' }) => void;

const oldSpaceUsed = (): number => getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? Number.NaN;

/**
 * What the old generation gained per call while `make` ran `count` times with young collections
 * in between: what V8 promoted of garbage that should have died young (its referents included).
 * Each result is dropped at once; an answer that comes later (a router's `route`) is awaited
 * before the next call. Warmed up first: compiling the code and filling its caches grows the old
 * generation too.
 */
export async function promotedBytesPerCall(make: (index: number) => unknown, count = 4_000): Promise<number> {
  for (let index = 0; index < count; index++) await make(-1 - index);
  gc({ type: 'major', execution: 'sync' });
  const before = oldSpaceUsed();
  for (let index = 0; index < count; index++) {
    await make(index);
    if (index % 500 === 499) gc({ type: 'minor', execution: 'sync' });
  }
  gc({ type: 'minor', execution: 'sync' });
  gc({ type: 'minor', execution: 'sync' });
  return Math.max(0, oldSpaceUsed() - before) / count;
}
