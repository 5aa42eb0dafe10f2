import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { installNpmCli } from '../support/install-npm-cli.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Claude Code itself through the gateway: `claude -p` with ANTHROPIC_BASE_URL pointed at it, its
 * own model names mapped to a router by `model_aliases`, every call served by the fake OpenAI
 * upstream. The test set-up installs `@anthropic-ai/claude-code` from npm (once per machine, in the
 * temp directory) and skips, saying why, only where npm cannot install it.
 */

const run = promisify(execFile);
const VERSION = '2.1.332';
const KEY = 'gw-key-claude-code-0123456789';

let unavailable: string | undefined;
let claude = '';
let upstream: FakeUpstream;
let running: TestGateway;

beforeAll(async () => {
  const installed = await installNpmCli('@anthropic-ai/claude-code', VERSION, 'claude');
  unavailable = installed.unavailable;
  claude = installed.bin ?? '';
  if (unavailable) {
    console.warn(`skipping the Claude Code test: ${unavailable}`);
    return;
  }
  upstream = await startFakeUpstream();
  running = await startGateway(`
server:
  api_keys: ["${KEY}"]
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 }, context_window: 400000, capabilities: { tools: true, vision: true } }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 }, context_window: 400000, capabilities: { tools: true, vision: true, reasoning: true } }
model_aliases:
  "claude-*": claude-code
routers:
  claude-code:
    reference: strong
    routes:
      background: { when: { requested_model: "claude-*haiku*" }, target: cheap }
    default: strong
`);
}, 300_000);

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

describe('Claude Code through the gateway', () => {
  it('answers claude -p, every call routed by its own model names and traced', async (context) => {
    if (unavailable) context.skip();
    const home = mkdtempSync(join(tmpdir(), 'switchyard-claude-home-'));
    const { stdout } = await run(claude, ['-p', 'Say hello.'], {
      timeout: 60_000,
      cwd: home,
      env: {
        PATH: process.env['PATH'],
        HOME: home,
        ANTHROPIC_BASE_URL: running.url,
        ANTHROPIC_API_KEY: KEY,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
      },
    });
    expect(stdout).toContain(defaultReply('strong-wire'));
    const traces = running.gateway.traces.list();
    expect(traces.length).toBeGreaterThan(0);
    for (const trace of traces) {
      expect(trace.requested).toMatch(/^claude-/);
      expect(trace.router).toBe('claude-code');
      expect(trace.status).toBe('ok');
    }
    expect(traces.some((trace) => trace.model === 'strong')).toBe(true);
    expect(upstream.requests.every((request) => request.headers['authorization'] === 'Bearer sk-test-secret-key-123456')).toBe(true);
  }, 90_000);
});
