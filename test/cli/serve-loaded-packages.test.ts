import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnServe } from '../support/spawn-serve.js';

// `serve` loads the Redis and PostgreSQL clients only when the config names them: a gateway on the
// embedded defaults does not pay their memory and start time. Read off the CommonJS module cache of
// the real process as it exits (ioredis, pg and better-sqlite3 are CommonJS packages).

const PRELOAD = `import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
process.on('exit', () => writeFileSync(process.env.LOADED_FILE, JSON.stringify(Object.keys(require.cache))));
`;

const packagesIn = (files: string[]): Set<string> => new Set(files.flatMap((file) => /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file)?.[1] ?? []));

describe('serve without state.redis or storage.postgres', () => {
  it('never loads ioredis or pg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-loaded-'));
    const preload = join(dir, 'record-loaded.mjs');
    writeFileSync(preload, PRELOAD);
    const config = join(dir, 'switchyard.yaml');
    writeFileSync(
      config,
      `storage:
  path: "${join(dir, 'traces.db')}"
providers:
  fake: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: "sk-test" }
models:
  cheap: { provider: fake, model: cheap-wire, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
routers:
  auto: { default: cheap }
`,
    );
    const loadedFile = join(dir, 'loaded.json');
    const serve = await spawnServe(config, { NODE_OPTIONS: `--import ${pathToFileURL(preload).href}`, LOADED_FILE: loadedFile });
    try {
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toEqual({ code: 0, signal: null });
    } finally {
      serve.stop();
    }
    const loaded = packagesIn(JSON.parse(readFileSync(loadedFile, 'utf8')) as string[]);
    // The reading works: the SQLite driver the trace store opened is there.
    expect(loaded).toContain('better-sqlite3');
    expect(loaded).not.toContain('ioredis');
    expect(loaded).not.toContain('pg');
  });
});
