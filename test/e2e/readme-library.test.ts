import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromChatCompletionsBody, fromMessagesBody } from '../../src/index.js';
import { InvalidRequestError } from '../../src/errors/request-errors.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';

/** The library snippet of docs/library.md (the README links it), run as written against the built package (`npm test` builds it first). */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});

afterAll(async () => {
  await upstream?.close();
});

function librarySnippet(): string {
  const page = readFileSync(join(ROOT, 'docs/library.md'), 'utf8');
  const code = page.match(/^# As a library\n[\s\S]*?\n```ts\n([\s\S]*?)\n```/)?.[1];
  if (code === undefined) throw new Error('docs/library.md has no ```ts block under "# As a library"');
  return code;
}

describe('the library snippet of docs/library.md', () => {
  it('runs as written: routes, answers and traces a Chat Completions body', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-readme-'));
    writeFileSync(
      join(dir, 'switchyard.yaml'),
      `providers:\n  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test" }\nmodels:\n  cheap: { provider: fake, model: cheap-wire, price: { input: 1, output: 1 } }\nrouters:\n  auto: { default: cheap }\n`,
    );
    const code = librarySnippet().replace("from 'switchyard-llm'", `from '${pathToFileURL(join(ROOT, 'dist/index.js')).href}'`);
    writeFileSync(join(dir, 'snippet.mjs'), code);
    const { stdout } = await run(process.execPath, ['snippet.mjs'], { cwd: dir, timeout: 30_000 });
    expect(stdout.trim()).toBe('default 1 completion 1');
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['cheap-wire']);
  });

  it('reads bodies of both dialects and refuses bad ones with the server\'s precise message', () => {
    expect(fromChatCompletionsBody({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }] })).toMatchObject({ model: 'auto', stream: false });
    expect(fromMessagesBody({ model: 'auto', max_tokens: 10, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] })).toMatchObject({
      dialect: 'anthropic',
      messages: [{ role: 'system' }, { role: 'user', content: 'Hi' }],
    });
    expect(() => fromChatCompletionsBody({ model: 'auto' })).toThrow(InvalidRequestError);
    expect(() => fromMessagesBody({ model: 'auto', messages: [] })).toThrow(/max_tokens/);
  });
});
