import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KEY_CACHE_TTL_MS } from '../../src/keys/cached-key-lookup.js';
import { hashKeySecret } from '../../src/keys/key-secret.js';
import type { KeyView } from '../../src/keys/key-view.js';
import { SqliteKeyStore } from '../../src/keys/sqlite-key-store.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { keysCommand } from '../../src/cli/keys-command.js';
import { startFakeUpstream } from '../support/fake-openai-upstream.js';
import { spawnServe } from '../support/spawn-serve.js';
import { testConfig } from '../support/start-gateway.js';

/** `switchyard keys` as users run it: the built CLI (`npx tsc -p tsconfig.build.json`) in a child process. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function keys(db: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'keys', ...args, '--db', db], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** The same command in-process: quicker, for the refusals that never reach the store. */
async function keysInProcess(db: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), env: {}, cwd: ROOT };
  const code = await keysCommand([...args, '--db', db], io);
  return { code, out, err };
}

const storeDir = (): string => mkdtempSync(join(tmpdir(), 'switchyard-keys-cli-'));

function storedBytes(dir: string): string {
  return readdirSync(dir)
    .map((file) => readFileSync(join(dir, file)).toString('latin1'))
    .join('');
}

function findBySecret(db: string, secret: string): string | undefined {
  const connection = new Database(db, { readonly: true });
  try {
    return new SqliteKeyStore(connection).findBySecret(secret)?.id;
  } finally {
    connection.close();
  }
}

describe('switchyard keys', () => {
  it('creates a key, prints its secret once, and keeps only its hash', async () => {
    const dir = storeDir();
    const db = join(dir, 'traces.db');
    const created = await keys(db, ['create', '--name', 'billing-app', '--team', 'billing', '--budget', '25/month', '--rpm', '60', '--tpm', '10000', '--max-concurrent', '4', '--routers', 'auto', '--models', 'gpt-4o-mini,claude-haiku', '--expires', '30d', '--metadata', 'owner=ana', '--json']);
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    const issued = JSON.parse(created.out) as KeyView & { secret: string };
    expect(issued.secret).toMatch(/^sk-swy-[A-Za-z0-9_-]{32}$/);
    expect(issued).toMatchObject({
      name: 'billing-app',
      team: 'billing',
      state: 'active',
      routers: ['auto'],
      models: ['gpt-4o-mini', 'claude-haiku'],
      metadata: { owner: 'ana' },
      limits: { budget: { usd: 25, period: 'month' }, rpm: 60, tpm: 10_000, max_concurrent: 4 },
    });
    const expiresIn = Date.parse(issued.expires_at ?? '') - Date.parse(issued.created_at);
    expect(expiresIn).toBe(30 * 86_400_000);

    const listed = await keys(db, ['list']);
    const shown = await keys(db, ['show', issued.id, '--json']);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(issued.id);
    expect(listed.out).toContain(issued.prefix);
    expect(JSON.parse(shown.out)).toEqual(Object.fromEntries(Object.entries(issued).filter(([field]) => field !== 'secret')));
    for (const output of [listed.out, listed.err, shown.out, shown.err]) expect(output).not.toContain(issued.secret.slice(11));

    expect(findBySecret(db, issued.secret)).toBe(issued.id);
    const bytes = storedBytes(dir);
    expect(bytes).toContain(hashKeySecret(issued.secret));
    expect(bytes).not.toContain(issued.secret.slice(11));
  });

  it('updates (none clears), rotates (the old secret stops matching) and revokes', async () => {
    const db = join(storeDir(), 'traces.db');
    const issued = JSON.parse((await keys(db, ['create', '--name', 'app', '--team', 'a', '--rpm', '10', '--json'])).out) as KeyView & { secret: string };
    const updated = (await keysInProcess(db, ['update', issued.id, '--team', 'none', '--rpm', 'none', '--tpm', '500', '--json']));
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.out)).toMatchObject({ id: issued.id, name: 'app', team: null, limits: { rpm: null, tpm: 500 } });

    const rotated = JSON.parse((await keys(db, ['rotate', issued.id, '--json'])).out) as KeyView & { secret: string };
    expect(rotated.id).toBe(issued.id);
    expect(rotated.secret).not.toBe(issued.secret);
    expect(findBySecret(db, issued.secret)).toBeUndefined();
    expect(findBySecret(db, rotated.secret)).toBe(issued.id);

    const revoked = (await keysInProcess(db, ['revoke', issued.id]));
    expect(revoked.code).toBe(0);
    expect(revoked.out).toMatch(new RegExp(`^${issued.id}  app  \\(revoked\\)`));
    expect(revoked.out).not.toContain(rotated.secret);
  });

  it('refuses wrong invocations with exit code 2 and a precise message', async () => {
    const db = join(storeDir(), 'traces.db');
    expect((await keysInProcess(db, ['list']))).toMatchObject({ code: 2, err: expect.stringContaining(`no store at ${db}`) });
    expect((await keysInProcess(db, ['create', '--name', 'x', '--budget', '25/year']))).toMatchObject({ code: 2, err: expect.stringContaining('--budget: a budget is USD/PERIOD with PERIOD one of day, week, month (e.g. 25/month), got "25/year"') });
    expect((await keysInProcess(db, ['create', '--team', 't']))).toMatchObject({ code: 2, err: expect.stringContaining('keys create needs --name NAME') });
    expect((await keysInProcess(db, ['create', '--name', 'x', '--rpm', '0']))).toMatchObject({ code: 2, err: expect.stringContaining('--rpm expects an integer >= 1, got "0"') });
    expect(((await keysInProcess(db, ['create', '--name', 'x']))).code).toBe(0);
    expect((await keysInProcess(db, ['show', 'key_nope']))).toMatchObject({ code: 2, err: expect.stringContaining('no key "key_nope"') });
    expect((await keysInProcess(db, ['revoke']))).toMatchObject({ code: 2, err: expect.stringContaining('keys revoke needs a key id') });
  });

  it('requires a safety guard with --require-guard (create, update), clears it with --require-guard none, shows it', async () => {
    const db = join(storeDir(), 'traces.db');
    const created = (await keysInProcess(db, ['create', '--name', 'careful', '--require-guard', '--json']));
    expect(created.err).toBe('');
    const issued = JSON.parse(created.out) as KeyView & { secret: string };
    expect(issued.require_guard).toBe(true);
    expect((await keysInProcess(db, ['show', issued.id])).out).toMatch(/guard +required \(only routers with a safety guard\)\n/);
    // Another option's update keeps it; `none` (either spelling) clears it; the flag sets it again.
    expect(JSON.parse((await keysInProcess(db, ['update', issued.id, '--rpm', '5', '--json'])).out)).toMatchObject({ require_guard: true, limits: { rpm: 5 } });
    expect(JSON.parse((await keysInProcess(db, ['update', issued.id, '--require-guard', 'none', '--json'])).out)).toMatchObject({ require_guard: false });
    expect((await keysInProcess(db, ['show', issued.id])).out).toMatch(/guard +-\n/);
    expect(JSON.parse((await keysInProcess(db, ['update', issued.id, '--require-guard', '--json'])).out)).toMatchObject({ require_guard: true });
    expect(JSON.parse((await keysInProcess(db, ['update', issued.id, '--require-guard=none', '--json'])).out)).toMatchObject({ require_guard: false });
    expect(JSON.parse((await keysInProcess(db, ['create', '--name', 'plain', '--json'])).out)).toMatchObject({ require_guard: false });
    expect((await keysInProcess(db, ['update', issued.id, '--require-guard=yes']))).toMatchObject({ code: 2, err: expect.stringContaining('--require-guard takes no value but "none" (to clear it), got "yes"') });
    expect((await keysInProcess(db, ['show', issued.id, '--require-guard']))).toMatchObject({ code: 2, err: expect.stringContaining('keys show takes no key options') });
  });

  it('shows the allow lists as the key check reads them: one list alone allows nothing of the other kind', async () => {
    const db = join(storeDir(), 'traces.db');
    const created = (await keysInProcess(db, ['create', '--name', 'r', '--routers', 'auto']));
    expect(created.err).toBe('');
    const routersOnly = created.out;
    expect(routersOnly).toMatch(/routers +auto\n/);
    expect(routersOnly).toMatch(/models +none\n/);
    const open = (await keysInProcess(db, ['create', '--name', 'o'])).out;
    expect(open).toMatch(/routers +any\n/);
    expect(open).toMatch(/models +any\n/);
  });

  it('serve accepts a key created by the CLI in its storage.path beside the static keys, and refuses it within the 5 s cache TTL once revoked', async () => {
    const upstream = await startFakeUpstream();
    const dir = storeDir();
    const db = join(dir, 'traces.db');
    const configFile = join(dir, 'switchyard.yaml');
    writeFileSync(configFile, testConfig(upstream.url, `server:\n  api_keys: ["static-key"]\nstorage:\n  path: "${db}"\n`));
    const issued = JSON.parse((await keysInProcess(db, ['create', '--name', 'app', '--json'])).out) as KeyView & { secret: string };
    const ask = (url: string, key: string): Promise<number> =>
      fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }) }).then((response) => response.status);
    const serve = await spawnServe(configFile);
    try {
      expect(await ask(serve.url, issued.secret)).toBe(200);
      expect(await ask(serve.url, 'static-key')).toBe(200);
      expect(await ask(serve.url, 'sk-swy-unknown')).toBe(401);
      const revokedAt = Date.now();
      expect((await keysInProcess(db, ['revoke', issued.id])).code).toBe(0);
      while ((await ask(serve.url, issued.secret)) === 200 && Date.now() - revokedAt < KEY_CACHE_TTL_MS + 3_000) await new Promise((resolve) => setTimeout(resolve, 100));
      // KEY_CACHE_TTL_MS, plus a margin for a loaded machine.
      expect(Date.now() - revokedAt).toBeLessThan(KEY_CACHE_TTL_MS + 1_500);
      expect(await ask(serve.url, issued.secret)).toBe(401);
      expect(serve.lines.map((line) => JSON.stringify(line)).join('\n')).not.toContain(issued.secret.slice(11));
    } finally {
      serve.stop();
      await serve.exited;
      await upstream.close();
    }
  });
});
