import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { copyPrefix } from './copy-prefix.js';

describe('copyPrefix', () => {
  it('keeps the first characters, surrogate halves included', () => {
    expect(copyPrefix('hello world', 5)).toBe('hello');
    expect(copyPrefix('short', 10)).toBe('short');
    expect(copyPrefix('a😀b', 2)).toBe('a\ud83d');
  });

  it('does not keep the original string alive', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    // Five 10 MB strings, as JSON.parse makes them from a request body; only their previews are kept.
    const previews = Array.from({ length: 5 }, (_, index) => copyPrefix((JSON.parse(`"${'ab'.repeat(5_000_000)}${index}"`) as string), 160));
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(20_000_000);
    expect(previews).toHaveLength(5);
  });
});
