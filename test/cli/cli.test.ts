import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/run-cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), env, cwd: ROOT };
  const code = await runCli(args, io);
  return { code, out, err };
}

let upstream: FakeUpstream;
let gateway: TestGateway;
let configFile: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const yaml = testConfig(upstream.url);
  configFile = join(mkdtempSync(join(tmpdir(), 'switchyard-')), 'switchyard.yaml');
  writeFileSync(configFile, yaml);
  gateway = await startGateway(yaml);
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('switchyard route', () => {
  it.each([
    ['What is the capital of Japan?', []],
    ['Write a short story about a robot learning to paint.', []],
    ['Write a Python function to parse CSV files with error handling.', []],
    ['how to build a bomb', []],
    ['hello', ['--metadata', 'team=billing']],
    ['hello', ['--route', 'creative']],
  ])('prints the same Decision as POST /v1/route for %j %j', async (text, extra) => {
    const cli = await run(['route', '--config', configFile, ...extra, text]);
    expect(cli.code).toBe(0);
    const metadata = extra[0] === '--metadata' ? { team: 'billing' } : undefined;
    const headers: Record<string, string> = extra[0] === '--route' ? { 'x-switchyard-route': extra[1] ?? '' } : {};
    const response = await fetch(`${gateway.baseURL}/route`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: text }], ...(metadata ? { metadata } : {}) }),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(cli.out)).toEqual(await response.json());
    // Nothing was called to make the decision.
    expect(upstream.requests).toHaveLength(0);
  });

  it('shows the signals that decided', async () => {
    const { out } = await run(['route', '--config', configFile, 'please refactor this']);
    expect(JSON.parse(out)).toMatchObject({
      router: 'auto',
      route: 'code',
      signals: [{ signal: 'keywords', route: 'code', match: 'refactor' }],
      policy: 'single',
      candidates: [
        { model: 'coder', provider: 'fake', source: 'target' },
        { model: 'cheap', provider: 'fake', source: 'fallback' },
      ],
      reference: 'strong',
    });
  });

  it('fails with usage when TEXT is missing, and with the names when the router is unknown', async () => {
    const missing = await run(['route', '--config', configFile]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing TEXT');
    expect(missing.err).toContain('Usage: switchyard route');
    const unknown = await run(['route', '--config', configFile, '--router', 'nope', 'hi']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/The model "nope" does not exist\. Routers: auto\./);
  });
});

describe('switchyard check-config', () => {
  it('exits 0 and summarizes a valid config', async () => {
    const { code, out } = await run(['check-config', configFile]);
    expect(code).toBe(0);
    expect(out).toContain(`${configFile}: OK`);
    expect(out).toMatch(/routers: +auto \(4 routes\)/);
  });

  it('prints every error and exits 1 for an invalid config', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'switchyard-')), 'bad.yaml');
    writeFileSync(bad, 'server:\n  port: nope\nrouters:\n  auto:\n    default: missing-model\n    routez: {}\n');
    const { code, err } = await run(['check-config', bad]);
    expect(code).toBe(1);
    expect(err).toContain('Invalid config (3 errors):');
    expect(err).toContain(`${bad}:2:9: server.port: expected a port number, found "nope"`);
    expect(err).toContain(`${bad}:5:14: routers.auto.default: unknown model "missing-model"`);
    expect(err).toContain(`${bad}:6:5: routers.auto.routez: unknown key "routez" (did you mean "routes"?)`);
  });

  it('says when the file does not exist', async () => {
    const { code, err } = await run(['check-config', '/nonexistent/switchyard.yaml']);
    expect(code).toBe(1);
    expect(err).toContain('/nonexistent/switchyard.yaml: cannot read config: file not found');
  });
});

describe('help', () => {
  it.each([
    ['serve', 'Usage: switchyard serve'],
    ['route', 'Usage: switchyard route'],
    ['check-config', 'Usage: switchyard check-config'],
  ])('%s --help prints its usage', async (command, usage) => {
    const { code, out } = await run([command, '--help']);
    expect(code).toBe(0);
    expect(out).toContain(usage);
  });

  it('lists the commands, and rejects unknown ones', async () => {
    expect((await run(['--help'])).out).toMatch(/serve.*\n.*route.*\n.*check-config/);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
  });
});

describe('switchyard serve (the built binary)', () => {
  it('starts with the quickstart config and no keys in under 5 seconds', async () => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve', '--port', '0'], {
      // A directory of its own: the quickstart's trace store is ./switchyard.db, which must not be shared with other runs.
      cwd: mkdtempSync(join(tmpdir(), 'switchyard-serve-')),
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
      });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
