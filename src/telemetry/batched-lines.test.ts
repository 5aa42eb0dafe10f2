import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BatchedLines, type LineDestination } from './batched-lines.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

function recorder(): LineDestination & { chunks: string[] } {
  const chunks: string[] = [];
  return { chunks, write: (chunk) => (chunks.push(chunk), true), flush: (callback) => callback?.(), flushSync: () => {}, end: () => {} };
}

/** 100 characters each. */
const line = (i: number): string => `{"n":${String(i).padStart(2, '0')},"msg":"${'x'.repeat(82)}"}\n`;

describe('BatchedLines', () => {
  it('hands lines over in order, joined into chunks of at least minLength', () => {
    const destination = recorder();
    const lines = new BatchedLines(destination, 1000, 60_000);
    for (let i = 0; i < 25; i++) lines.write(line(i));
    // 25 lines of 100 characters: two chunks of 10 lines have gone, 5 lines wait.
    expect(destination.chunks.map((chunk) => chunk.length)).toEqual([1000, 1000]);
    lines.flush();
    expect(destination.chunks.join('')).toBe(Array.from({ length: 25 }, (_, i) => line(i)).join(''));
    lines.end();
  });

  it('hands a short batch over within flushEveryMs when traffic is light', async () => {
    const destination = recorder();
    const lines = new BatchedLines(destination, 4096, 20);
    lines.write(line(1));
    expect(destination.chunks).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(destination.chunks).toEqual([line(1)]);
    lines.end();
  });

  it('writes everything through a real asynchronous destination on flushSync', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-lines-')), 'log');
    const destination = pino.destination({ dest: file, sync: false, minLength: 0 });
    await new Promise((resolve) => destination.once('ready', resolve));
    const lines = new BatchedLines(destination, 4096, 60_000);
    const logger = pino({ base: null, timestamp: false }, lines);
    for (let i = 0; i < 100; i++) logger.info({ i }, 'request');
    lines.flushSync();
    const written = readFileSync(file, 'utf8').trim().split('\n').map((text) => JSON.parse(text) as { i: number });
    expect(written.map((entry) => entry.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    lines.end();
  });

  // A process that exits, or runs out of work, with lines still waiting must not lose them.
  const exits = {
    // The first 4 KB chunk may still be in flight: sonic-boom's exit flush writes what it holds at once, so only the set of lines is sure.
    'process.exit() at once': { ending: 'process.exit(0);', inOrder: false },
    'process.exit() once the first chunk is written': { ending: "destination.once('write', () => process.exit(0));", inOrder: true },
    'the event loop running empty': { ending: '', inOrder: true },
  };
  it.each(Object.entries(exits))('writes the waiting lines out on %s', (_name, { ending, inOrder }) => {
    const module = pathToFileURL(join(ROOT, 'dist/telemetry/batched-lines.js')).href;
    const script = `
      import { pino } from 'pino';
      const { BatchedLines } = await import(${JSON.stringify(module)});
      const destination = pino.destination({ dest: 1, sync: false, minLength: 0 });
      const logger = pino({ base: null, timestamp: false }, new BatchedLines(destination));
      // 60 lines of about 100 characters: a chunk of 4 KB has gone to the destination, the rest waits.
      for (let i = 0; i < 60; i++) logger.info({ i, text: 'x'.repeat(80) }, 'waiting');
      ${ending}`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    const written = child.stdout.trim().split('\n').map((text) => (JSON.parse(text) as { i: number }).i);
    expect(inOrder ? written : written.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});
