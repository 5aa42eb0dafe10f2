import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startFakeResponsesUpstream, type FakeResponsesUpstream } from '../support/fake-responses-upstream.js';
import { installNpmCli } from '../support/install-npm-cli.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Codex CLI itself through the gateway: `codex exec` with a `model_providers` entry whose
 * `base_url` is the gateway (`wire_api = "responses"`: Codex speaks only the Responses API), its
 * model `auto` being the gateway's router, every call served by the fake Chat Completions upstream
 * (and, in the last test, by a Responses-only model on the fake Responses upstream).
 * The set-up installs `@openai/codex` from npm once per machine, in the temp directory, and the test
 * skips, saying why, only where npm cannot install it. Codex's start-up calls to other hosts are
 * switched off in its config (`[features] plugins = false`, `[analytics] enabled = false`), so it
 * needs no network but loopback.
 */

const VERSION = '0.171.0';
const KEY = 'gw-key-codex-0123456789';
const PROVIDER_KEY = 'sk-test-secret-key-123456';

let unavailable: string | undefined;
let codex = '';
let upstream: FakeUpstream;
let responsesUpstream: FakeResponsesUpstream;
let running: TestGateway;

beforeAll(async () => {
  const installed = await installNpmCli('@openai/codex', VERSION, 'codex');
  unavailable = installed.unavailable;
  codex = installed.bin ?? '';
  if (unavailable) {
    console.warn(`skipping the Codex CLI test: ${unavailable}`);
    return;
  }
  upstream = await startFakeUpstream();
  responsesUpstream = await startFakeResponsesUpstream({ apiKey: 'sk-responses-0000' });
  running = await startGateway(`
server:
  api_keys: ["${KEY}"]
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "${PROVIDER_KEY}", retry: { max_attempts: 1 } }
  resp: { type: openai, api: responses, base_url: "${responsesUpstream.url}", api_key: "sk-responses-0000", retry: { max_attempts: 1 } }
models:
  cheap: { provider: fake, model: cheap-wire, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  codex-only: { provider: resp, model: codex-wire, price: { input: 1.5, output: 6 }, context_window: 400000 }
routers:
  auto:
    default: cheap
`);
}, 300_000);

afterAll(async () => {
  await running?.close();
  await upstream?.close();
  await responsesUpstream?.close();
});

beforeEach(() => {
  if (unavailable) return;
  upstream.requests.length = 0;
  upstream.respond((request) => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])) }));
});

/** A `CODEX_HOME` whose config sends Codex to the gateway, with no retries so a failure shows at once. */
function codexHome(model: string): string {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-codex-home-'));
  writeFileSync(
    join(home, 'config.toml'),
    `model = "${model}"
model_provider = "switchyard"

[model_providers.switchyard]
name = "Switchyard"
base_url = "${running.baseURL}"
wire_api = "responses"
env_key = "SWITCHYARD_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[features]
plugins = false

[analytics]
enabled = false
`,
  );
  return home;
}

type CodexEvent = { type: string; item?: { type: string; text?: string; command?: string; aggregated_output?: string; exit_code?: number | null; message?: string }; usage?: Record<string, number> };

/** Runs `codex exec --json` on one prompt in a fresh home and working directory; its events, exit code and stderr. */
async function codexExec(prompt: string, model = 'auto'): Promise<{ code: number; events: CodexEvent[]; stderr: string }> {
  const home = codexHome(model);
  const work = mkdtempSync(join(tmpdir(), 'switchyard-codex-work-'));
  return new Promise((resolve) => {
    const child = execFile(
      codex,
      ['exec', '--json', '--skip-git-repo-check', '--ephemeral', '--sandbox', 'read-only', prompt],
      { timeout: 60_000, cwd: work, env: { PATH: process.env['PATH'], HOME: home, CODEX_HOME: home, SWITCHYARD_API_KEY: KEY } },
      (error, stdout, stderr) => {
        const events = stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as CodexEvent);
        for (const dir of [home, work]) rmSync(dir, { recursive: true, force: true });
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, events, stderr });
      },
    );
    // Codex reads more of the prompt from stdin until it closes.
    child.stdin?.end();
  });
}

const completedItems = (events: CodexEvent[], type: string): NonNullable<CodexEvent['item']>[] =>
  events.flatMap((event) => (event.type === 'item.completed' && event.item?.type === type ? [event.item] : []));

describe('Codex CLI through the gateway', () => {
  it('codex exec completes a task, served by the model the router chose, traced and priced', async (context) => {
    if (unavailable) context.skip();
    const { code, events, stderr } = await codexExec('Say hello.');
    expect(code, stderr).toBe(0);
    expect(completedItems(events, 'agent_message').map((item) => item.text)).toEqual([defaultReply('cheap-wire')]);
    expect(events.at(-1)?.type).toBe('turn.completed');

    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0];
    expect(sent?.headers['authorization']).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(sent?.body?.['model']).toBe('cheap-wire');
    expect(sent?.body?.['stream']).toBe(true);
    const messages = sent?.body?.['messages'] as Array<{ role: string; content: unknown }>;
    expect(JSON.stringify(messages.at(-1))).toContain('Say hello.');
    // Codex's own function tools reach the upstream as Chat Completions tools; the built-in
    // `web_search` and the `namespace` tool, which a Chat Completions model cannot run, are dropped
    // with a note on the attempt, never a refusal.
    const tools = (sent?.body?.['tools'] ?? []) as Array<{ type: string; function?: { name: string } }>;
    expect(tools.map((tool) => tool.function?.name)).toContain('exec_command');
    expect(tools.every((tool) => tool.type === 'function')).toBe(true);

    const traces = running.gateway.traces.list();
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ requested: 'auto', router: 'auto', model: 'cheap', status: 'ok', stream: true });
    expect(traces[0]?.costUsd).toBeGreaterThan(0);
    expect(traces[0]?.attempts[0]?.warnings).toContainEqual(expect.stringContaining('web_search'));
  }, 90_000);

  it('runs a shell command the model asks for and sends its output back in the next turn', async (context) => {
    if (unavailable) context.skip();
    upstream.respond((request) => {
      const messages = (request.body?.['messages'] ?? []) as Array<{ role?: string }>;
      return messages.some((message) => message.role === 'tool')
        ? { type: 'completion', text: 'The command printed switchyard-ok.' }
        : { type: 'completion', toolCalls: [{ id: 'call_codex_1', name: 'exec_command', arguments: '{"cmd":"echo switchyard-ok"}' }] };
    });
    const { code, events, stderr } = await codexExec('Run `echo switchyard-ok` and tell me what it printed.');
    expect(code, stderr).toBe(0);
    expect(completedItems(events, 'command_execution')).toEqual([expect.objectContaining({ aggregated_output: 'switchyard-ok\n', exit_code: 0 })]);
    expect(completedItems(events, 'agent_message').map((item) => item.text)).toEqual(['The command printed switchyard-ok.']);

    expect(upstream.requests).toHaveLength(2);
    const followUp = upstream.requests[1]?.body?.['messages'] as Array<Record<string, unknown>>;
    const call = followUp.find((message) => message['role'] === 'assistant' && Array.isArray(message['tool_calls']));
    expect(call?.['tool_calls']).toEqual([expect.objectContaining({ id: 'call_codex_1', function: { name: 'exec_command', arguments: '{"cmd":"echo switchyard-ok"}' } })]);
    const result = followUp.find((message) => message['role'] === 'tool');
    expect(result).toMatchObject({ tool_call_id: 'call_codex_1' });
    expect(JSON.stringify(result?.['content'])).toContain('switchyard-ok');
    expect(running.gateway.traces.list().slice(0, 2).every((trace) => trace.status === 'ok' && trace.model === 'cheap')).toBe(true);
  }, 90_000);

  /** One Codex tool round trip served by the Responses-only model, run once for the two tests that read it. */
  let responsesRoundTrip: ReturnType<typeof codexExec> | undefined;
  function runOnResponsesModel(): ReturnType<typeof codexExec> {
    responsesRoundTrip ??= (async () => {
      responsesUpstream.respond((request) =>
        (request.input ?? []).some((item) => item.type === 'function_call_output')
          ? { type: 'response', output: [{ type: 'text', text: 'The command printed switchyard-ok.' }] }
          : {
              type: 'response',
              output: [
                { type: 'reasoning', summary: ['I should run the command.'] },
                { type: 'function_call', callId: 'call_codex_2', name: 'exec_command', arguments: '{"cmd":"echo switchyard-ok"}' },
              ],
            },
      );
      return codexExec('Run `echo switchyard-ok` and tell me what it printed.', 'codex-only');
    })();
    return responsesRoundTrip;
  }

  it('a Responses-only model serves its tool round trip, with what Codex asked of the Responses API forwarded', async (context) => {
    if (unavailable) context.skip();
    const { code, events, stderr } = await runOnResponsesModel();
    expect(code, stderr).toBe(0);
    expect(completedItems(events, 'command_execution')).toEqual([expect.objectContaining({ aggregated_output: 'switchyard-ok\n', exit_code: 0 })]);
    expect(completedItems(events, 'agent_message').map((item) => item.text)).toEqual(['The command printed switchyard-ok.']);

    const [first, second] = responsesUpstream.requests;
    expect(responsesUpstream.requests).toHaveLength(2);
    expect(first?.headers['authorization']).toBe('Bearer sk-responses-0000');
    // Codex stores nothing upstream and asks for encrypted reasoning: Responses in, Responses out, both are forwarded.
    expect(first?.body).toMatchObject({ model: 'codex-wire', stream: true, store: false, include: ['reasoning.encrypted_content'], reasoning: { summary: 'auto' } });
    expect(second?.input).toContainEqual(expect.objectContaining({ type: 'function_call', call_id: 'call_codex_2', name: 'exec_command' }));
    expect(second?.input).toContainEqual(expect.objectContaining({ type: 'function_call_output', call_id: 'call_codex_2', output: expect.stringContaining('switchyard-ok') }));
    expect(running.gateway.traces.list().slice(0, 2).every((trace) => trace.status === 'ok' && trace.model === 'codex-only')).toBe(true);
  }, 90_000);

  it('keeps the encrypted reasoning of a streamed turn, so the next turn sends it back as the upstream issued it', async (context) => {
    if (unavailable) context.skip();
    const { code, stderr } = await runOnResponsesModel();
    expect(code, stderr).toBe(0);
    const [first, second] = responsesUpstream.requests;
    const issued = first?.response?.output.find((item) => item.type === 'reasoning');
    expect(issued?.encrypted_content).toEqual(expect.any(String));
    // The fake refuses encrypted content it did not issue, so only the upstream's own item passes.
    const sentBack = second?.input?.filter((item) => item.type === 'reasoning');
    expect(sentBack).toEqual([expect.objectContaining({ type: 'reasoning', encrypted_content: issued?.encrypted_content })]);
  }, 90_000);
});
