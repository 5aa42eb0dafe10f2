import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectBatchFormat, readBatchLine, toBatchLine, type BatchLineOptions } from './batch-line.js';
import { countTextLines, readTextLines } from './read-text-lines.js';

const AUTO: BatchLineOptions = { format: 'auto', router: undefined, defaultModel: 'auto' };

describe('detectBatchFormat', () => {
  it.each([
    [{ input: 'hi' }, 'responses'],
    [{ input: [{ role: 'user', content: 'hi' }], messages: [] }, 'responses'],
    [{ messages: [{ role: 'user', content: 'hi' }] }, 'chat'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }, 'chat'],
    [{ messages: [{ role: 'user', content: 'hi' }], system: 'Be brief.' }, 'messages'],
    [{ messages: [{ role: 'user', content: 'hi' }], stop_sequences: ['x'] }, 'messages'],
    [{ messages: [{ role: 'user', content: 'hi' }], thinking: { type: 'enabled', budget_tokens: 1024 } }, 'messages'],
    [{ messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'f', input_schema: { type: 'object' } }] }, 'messages'],
    [{ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: '1' }] }] }, 'messages'],
    [{ prompt: 'hi' }, 'prompt'],
    [{ question: 'hi' }, undefined],
  ])('%j is %s', (body, format) => {
    expect(detectBatchFormat(body)).toBe(format);
  });
});

describe('toBatchLine', () => {
  const line = (value: unknown, options: BatchLineOptions = AUTO) => toBatchLine(readBatchLine(JSON.stringify(value), 3), options);

  it('sends a line to --router whatever its own model, else to its own model, else to the default router', () => {
    const body = { messages: [{ role: 'user', content: 'hi' }] };
    expect(line({ ...body, model: 'strong' }, { ...AUTO, router: 'fast' })).toMatchObject({ request: { model: 'fast' } });
    expect(line({ ...body, model: 'strong' })).toMatchObject({ request: { model: 'strong' } });
    expect(line(body)).toMatchObject({ id: '3', line: 3, format: 'chat', request: { model: 'auto', stream: false } });
  });

  it('drops stream and id, and --format forces the dialect', () => {
    const parsed = line({ id: 9, model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    expect(parsed).toMatchObject({ id: '9', request: { stream: false, includeUsage: false } });
    expect('request' in parsed && parsed.request.passthrough).toEqual({});
    // Forced to Messages, a Chat Completions body without max_tokens fails as a Messages body would.
    expect(line({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { ...AUTO, format: 'messages' })).toMatchObject({
      format: 'messages',
      error: { param: 'max_tokens' },
    });
  });

  it('names the line by its number when its id is unusable, with the reason', () => {
    expect(line({ id: { nested: true }, prompt: 'x' })).toMatchObject({ id: '3', error: { param: 'id', message: 'Invalid line: id: expected a non-empty string or a number.' } });
    expect(line({ id: 'a', prompt: 42 })).toMatchObject({ id: 'a', error: { param: 'prompt', message: 'Invalid line: prompt: expected a string.' } });
  });
});

describe('readTextLines and countTextLines', () => {
  it('skip blank lines, keep line numbers, and read a last line without its newline', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-lines-')), 'in.jsonl');
    writeFileSync(file, 'a\r\n\n  \nb\nc');
    const lines = [];
    for await (const line of readTextLines(file)) lines.push(line);
    expect(lines).toEqual([
      { line: 1, text: 'a' },
      { line: 4, text: 'b' },
      { line: 5, text: 'c' },
    ]);
    expect(await countTextLines(file)).toBe(3);
  });
});
