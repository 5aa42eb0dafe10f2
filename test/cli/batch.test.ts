import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BatchProgress } from '../../src/cli/batch-progress.js';
import { runCli } from '../../src/cli/run-cli.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { BatchItem, BatchResult } from '../../src/gateway/gateway-batch.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { createChatRequest } from '../../src/spec/create-chat-request.js';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { testConfig } from '../support/start-gateway.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let upstream: FakeUpstream;
let dir: string;
let configFile: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'switchyard-batch-'));
  configFile = join(dir, 'switchyard.yaml');
  writeFileSync(configFile, testConfig(upstream.url));
});

afterAll(async () => {
  await upstream.close();
});

afterEach(() => {
  upstream.requests.length = 0;
  upstream.respond((request) => ({ type: 'completion', text: `Reply from ${String(request.body?.['model'])}.` }));
});

/** The text of the last user message an upstream request carried (each test line's prompt names its id). */
function promptOf(request: RecordedRequest): string {
  const messages = request.body?.['messages'] as { role: string; content: unknown }[];
  const content = messages.filter((message) => message.role === 'user').at(-1)?.content;
  return typeof content === 'string' ? content : JSON.stringify(content);
}

type Run = { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> };

function spawnBatch(args: string[]): Run {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'batch', '--config', configFile, ...args], {
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    // `close`, not `exit`: it comes once the output pipes are drained too.
    child.once('close', (code, signal) => resolve({ code, signal, out, err })),
  );
  return { child, exited };
}

function writeLines(name: string, lines: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
  return file;
}

function readResults(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds while the run goes on; fails at once, with its output, if it ends first. */
async function waitWhileRunning(run: Run, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  let ended: { code: number | null; out: string; err: string } | undefined;
  void run.exited.then((result) => (ended = result));
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (ended) throw new Error(`the batch ended (code ${String(ended.code)}) first: ${ended.out}${ended.err}`);
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}

function lineCount(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

const prompts = (count: number): unknown[] => Array.from({ length: count }, (_, index) => ({ id: `q${index}`, prompt: `question q${index}` }));

describe('switchyard batch', () => {
  it('runs 1,000 lines at concurrency 32; killed half way and started again, it calls no finished line again and ends with the summary', async () => {
    const input = writeLines('resume.jsonl', prompts(1000));
    const out = join(dir, 'resume.out.jsonl');
    let inFlight = 0;
    let most = 0;
    upstream.respond((request) => {
      most = Math.max(most, ++inFlight);
      void request.closed.then(() => inFlight--);
      return { type: 'completion', text: `Answer to ${promptOf(request)}`, delayMs: 10 };
    });
    const first = spawnBatch([input, '--out', out, '--concurrency', '32', '--router', 'auto']);
    await waitWhileRunning(first, () => lineCount(out) >= 500);
    first.child.kill('SIGKILL');
    await first.exited;
    // A kill in the middle of a write leaves part of a line: the rerun cuts it and does that line again.
    appendFileSync(out, '{"id":"q999","line":1000,"status":"ok","mod');
    const kept = readFileSync(out, 'utf8').split('\n').slice(0, -1);
    const doneIds = new Set(kept.map((line) => (JSON.parse(line) as { id: string }).id));
    const callsBefore = upstream.requests.length;
    expect(doneIds.size).toBeGreaterThanOrEqual(500);
    expect(doneIds.size).toBeLessThan(1000);
    // Every line finished so far had its call; the others were in flight when the process died.
    expect(callsBefore - doneIds.size).toBeLessThanOrEqual(32);

    const second = await spawnBatch([input, '--out', out, '--concurrency', '32', '--router', 'auto', '--progress-interval', '0.2']).exited;
    expect(second.err).toContain('cut a partly written last line');
    expect(second.err).toMatch(/batch \d+\/1000 \(\d+\.\d%\)\s+\d+\.\d lines\/s\s+\$\d+\.\d{6}\s+ETA /);
    expect(second.code).toBe(0);
    const results = readResults(out);
    expect(results).toHaveLength(1000);
    expect(new Set(results.map((result) => result['id'])).size).toBe(1000);
    const calledAgain = upstream.requests.slice(callsBefore).map(promptOf).filter((prompt) => doneIds.has(prompt.replace('question ', '')));
    expect(calledAgain).toEqual([]);
    // calls = 1,000 + at most the lines in flight at the kill
    expect(upstream.requests.length).toBeGreaterThanOrEqual(1000);
    expect(upstream.requests.length - 1000).toBeLessThanOrEqual(32);
    expect(most).toBeLessThanOrEqual(32);
    expect(most).toBeGreaterThan(8);

    const last = results.find((result) => result['id'] === 'q999');
    expect(last).toMatchObject({ status: 'ok', line: 1000, format: 'chat', model: 'cheap', router: 'auto', route: 'default', trace_id: expect.any(String) });
    expect(last?.['response']).toMatchObject({ object: 'chat.completion', model: 'cheap', choices: [{ message: { content: 'Answer to question q999' } }] });
    // Priced per million tokens: cheap (0.15 in, 0.6 out) served, the router's reference model (strong: 3, 15) is the baseline.
    const usage = (last?.['response'] as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    const cost = (usage.prompt_tokens * 0.15 + usage.completion_tokens * 0.6) / 1e6;
    expect(last?.['cost_usd']).toBeCloseTo(cost, 12);
    expect(last?.['savings_usd']).toBeCloseTo((usage.prompt_tokens * 3 + usage.completion_tokens * 15) / 1e6 - cost, 12);
    const rest = 1000 - doneIds.size;
    expect(second.out).toContain('1000 lines');
    expect(second.out).toMatch(new RegExp(`done ${rest} \\(blocked 0\\), skipped ${doneIds.size} \\(done by an earlier run\\), failed 0 \\(invalid 0\\)\n`));
    expect(second.out).toMatch(/savings \$\d+\.\d{6} \(9\d\.\d%\)/);
    expect(second.out).toMatch(new RegExp(`default\\s+${rest}\\s+100\\.0%`));
    expect(second.out).toMatch(new RegExp(`cheap\\s+${rest}\\s+100\\.0%`));
  }, 30_000);

  it('answers each line in its own dialect: Chat Completions, Messages, Responses and prompt lines', async () => {
    const input = writeLines('mixed.jsonl', [
      { id: 'chat', model: 'strong', messages: [{ role: 'user', content: 'chat line' }] },
      { id: 'messages', model: 'strong', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'messages line' }] },
      {
        id: 'messages-blocks',
        model: 'strong',
        max_tokens: 100,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'blocks line' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }],
      },
      { id: 'responses', model: 'strong', instructions: 'Be brief.', input: 'responses line' },
      { id: 'responses-items', model: 'strong', input: [{ role: 'user', content: [{ type: 'input_text', text: 'responses items line' }] }] },
      { id: 42, prompt: 'prompt line', model: 'strong', stream: true },
      { prompt: 'please refactor this python' },
      { id: 'blocked', input: 'how to build a bomb' },
    ]);
    const out = join(dir, 'mixed.out.jsonl');
    const { code, err } = await spawnBatch([input, '--out', out]).exited;
    expect(err).toBe('');
    expect(code).toBe(0);
    const results = new Map(readResults(out).map((result) => [result['id'], result]));
    const reply = 'Reply from strong-wire.';
    expect(results.get('chat')).toMatchObject({ status: 'ok', format: 'chat', model: 'strong', router: null, route: null, response: { object: 'chat.completion', model: 'strong', choices: [{ message: { content: reply } }] } });
    expect(results.get('messages')).toMatchObject({ status: 'ok', format: 'messages', response: { type: 'message', role: 'assistant', content: [{ type: 'text', text: reply }], stop_reason: 'end_turn' } });
    expect(results.get('messages-blocks')).toMatchObject({ status: 'ok', format: 'messages', response: { type: 'message' } });
    expect(results.get('responses')).toMatchObject({
      status: 'ok',
      format: 'responses',
      response: { object: 'response', status: 'completed', instructions: 'Be brief.', output: [{ type: 'message', content: [{ type: 'output_text', text: reply }] }] },
    });
    expect(results.get('responses-items')).toMatchObject({ status: 'ok', format: 'responses', response: { object: 'response', status: 'completed' } });
    // A numeric id is kept as a string; `stream` is ignored (answers are written whole).
    expect(results.get('42')).toMatchObject({ status: 'ok', line: 6, format: 'chat', response: { object: 'chat.completion', choices: [{ message: { content: reply } }] } });
    // No model on the line and no --router: the default router routes it; no id: its line number names it.
    expect(results.get('7')).toMatchObject({ status: 'ok', line: 7, format: 'chat', model: 'coder', router: 'auto', route: 'code' });
    // A blocking route answers with its message, in the line's dialect, and counts as done.
    expect(results.get('blocked')).toMatchObject({
      status: 'blocked',
      format: 'responses',
      model: null,
      router: 'auto',
      route: 'unsafe',
      response: { object: 'response', model: 'switchyard/blocked', output: [{ type: 'message', content: [{ type: 'output_text', text: "I can't help with that request." }] }] },
    });
    // Each dialect reached the upstream as the conversation it carried.
    const sent = upstream.requests.map(promptOf);
    expect(sent).toHaveLength(7);
    for (const text of ['chat line', 'messages line', 'blocks line', 'responses line', 'responses items line', 'prompt line', 'please refactor this python']) {
      expect(sent.some((prompt) => prompt.includes(text))).toBe(true);
    }
    expect(upstream.requests.every((request) => request.body?.['stream'] !== true)).toBe(true);
    const messages = upstream.requests.find((request) => promptOf(request) === 'messages line');
    expect(messages?.body?.['messages']).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'messages line' }]);
  }, 20_000);

  it('records invalid lines and failures with their line and precise message, exits 1, and retries them on the next run', async () => {
    const lines = [
      'not json',
      { id: 'badrole', model: 'cheap', messages: [{ role: 'robot', content: 'x' }] },
      { id: 'nomax', system: 'Be brief.', messages: [{ role: 'user', content: 'x' }] },
      { id: 'baditem', input: [{ type: 'bogus_item' }] },
      { id: 'orphan', input: [{ type: 'function_call_output', call_id: 'call_1', output: '42' }] },
      { id: 'neither', question: 'what?' },
      { id: 'dup', prompt: 'first dup' },
      { id: 'dup', prompt: 'second dup' },
      { id: 'fails', prompt: 'fail me' },
      { id: 'good', prompt: 'fine' },
      { id: 'nomodel', model: 'no-such-model', prompt: 'x' },
    ];
    const input = writeLines('invalid.jsonl', lines);
    const out = join(dir, 'invalid.out.jsonl');
    upstream.respond((request) => (promptOf(request) === 'fail me' ? { type: 'error', status: 500, message: 'upstream broke' } : { type: 'completion', text: 'fine' }));
    const first = await spawnBatch([input, '--out', out]).exited;
    expect(first.code).toBe(1);
    const results = new Map(readResults(out).map((result) => [`${String(result['line'])}`, result]));
    expect(results.size).toBe(11);
    expect(results.get('1')).toMatchObject({ id: '1', status: 'invalid', error: { kind: 'invalid_request', message: expect.stringContaining('not valid JSON') } });
    expect(results.get('2')).toMatchObject({ id: 'badrole', status: 'invalid', format: 'chat', error: { param: 'messages[0].role', message: expect.stringMatching(/^Invalid request: messages\[0\]\.role: /) } });
    expect(results.get('3')).toMatchObject({ id: 'nomax', status: 'invalid', format: 'messages', error: { param: 'max_tokens', message: expect.stringContaining('max_tokens') } });
    expect(results.get('4')).toMatchObject({ id: 'baditem', status: 'invalid', format: 'responses', error: { param: expect.stringContaining('input[0]') } });
    expect(results.get('5')).toMatchObject({ id: 'orphan', status: 'invalid', format: 'responses', error: { message: expect.stringContaining('call_1') } });
    expect(results.get('6')).toMatchObject({ id: 'neither', status: 'invalid', error: { message: expect.stringContaining('`input`') } });
    expect(results.get('7')).toMatchObject({ id: 'dup', status: 'ok' });
    expect(results.get('8')).toMatchObject({ id: 'dup', status: 'invalid', error: { param: 'id', message: expect.stringContaining('ids must be unique') } });
    expect(results.get('9')).toMatchObject({ id: 'fails', status: 'error', model: null, route: 'default', error: { kind: 'upstream_http', message: expect.stringContaining('upstream broke') } });
    expect(results.get('10')).toMatchObject({ id: 'good', status: 'ok' });
    expect(results.get('11')).toMatchObject({ id: 'nomodel', status: 'error', trace_id: null, error: { kind: 'not_found', status: 404, code: 'model_not_found', message: expect.stringContaining('no-such-model') } });
    // Each failure is named on stderr with its file and line, and the message the result carries.
    for (const line of [1, 2, 3, 4, 5, 6, 8, 9, 11]) {
      const result = results.get(String(line)) as { id: string; error: { message: string } };
      expect(first.err).toContain(`${input}:${line} (id ${result.id}): ${line >= 9 ? 'failed' : 'invalid'}: ${result.error.message}`);
    }
    expect(first.out).toMatch(/done 2 \(blocked 0\), skipped 0 .*, failed 9 \(invalid 7\)/);
    // Only the lines that did not finish run again: the good ones are not called twice.
    const callsBefore = upstream.requests.length;
    upstream.respond({ type: 'completion', text: 'fine now' });
    const second = await spawnBatch([input, '--out', out]).exited;
    expect(second.code).toBe(1);
    expect(upstream.requests.slice(callsBefore).map(promptOf)).toEqual(['fail me']);
    // The second "dup" line is skipped too: its id is done.
    expect(second.out).toMatch(/done 1 \(blocked 0\), skipped 3 .*, failed 7 \(invalid 6\)/);
    expect(readResults(out).filter((result) => result['id'] === 'fails').map((result) => result['status'])).toEqual(['error', 'ok']);
  }, 20_000);

  it('on SIGINT starts no new line, finishes those in flight and prints the summary', async () => {
    const input = writeLines('interrupt.jsonl', prompts(200));
    const out = join(dir, 'interrupt.out.jsonl');
    upstream.respond({ type: 'completion', text: 'slow', delayMs: 100 });
    const run = spawnBatch([input, '--out', out, '--concurrency', '4']);
    await waitWhileRunning(run, () => lineCount(out) >= 4);
    run.child.kill('SIGINT');
    const { code, out: stdout, err } = await run.exited;
    expect(err).toMatch(/stopping: no new lines; waiting for the \d in flight/);
    expect(code).toBe(130);
    expect(stdout).toMatch(/not run \d+ \(interrupted\)/);
    const results = readResults(out);
    expect(results.length).toBeLessThan(100);
    // Every line started was finished and written: none was cut.
    expect(results.every((result) => result['status'] === 'ok')).toBe(true);
    expect(results).toHaveLength(upstream.requests.length);
  }, 20_000);

  it('fails with usage for a missing --out, an unknown router or format', async () => {
    const input = writeLines('usage.jsonl', prompts(1));
    const run = async (args: string[]): Promise<{ code: number; err: string }> => {
      let err = '';
      const code = await runCli(['batch', '--config', configFile, ...args], { out: () => {}, err: (text) => (err += `${text}\n`), env: {}, cwd: dir });
      return { code, err };
    };
    const missing = await run([input]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing --out OUT.jsonl');
    const router = await run([input, '--out', 'usage.out.jsonl', '--router', 'nope']);
    expect(router.code).toBe(2);
    expect(router.err).toContain('--router: "nope" is neither a router nor a model');
    const format = await run([input, '--out', 'usage.out.jsonl', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.err).toContain('--format expects one of auto, chat, messages, responses, prompt, got "xml"');
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('BatchProgress', () => {
  it('redraws one line on a terminal and prints plain lines elsewhere', () => {
    let now = 0;
    const counts = { finished: 0, failed: 0, skipped: 100, costUsd: 0 };
    const written: string[] = [];
    const tty = new BatchProgress({ write: (text) => written.push(text), isTTY: true }, 1000, () => counts, { intervalMs: 5000, now: () => now });
    now = 10_000;
    Object.assign(counts, { finished: 400, failed: 2, costUsd: 0.0123 });
    tty.draw();
    // 400 lines in 10 s: 40 lines/s, 500 left: 12.5 s.
    expect(written).toEqual(['\rbatch 500/1000 (50.0%)  40.0 lines/s  $0.012300  ETA 13s  2 failed']);
    tty.note('line 7: invalid');
    expect(written.slice(1, 3)).toEqual([`\r${' '.repeat(written[0]!.length - 1)}\r`, 'line 7: invalid\n']);
    const plain: string[] = [];
    const pipe = new BatchProgress({ write: (text) => plain.push(text), isTTY: false }, 1000, () => counts, { intervalMs: 5000, now: () => now });
    pipe.draw();
    expect(plain).toEqual(['batch 500/1000 (50.0%)  0.0 lines/s  $0.012300  ETA -  2 failed\n']);
  });
});

describe('gateway.batch', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await Gateway.create(parseConfig(testConfig(upstream.url), 'test.yaml', { env: {} }), { recentTraces: 0 });
  });
  afterAll(async () => {
    await gateway.close();
  });

  async function collect(results: AsyncIterable<BatchResult>): Promise<BatchResult[]> {
    const all: BatchResult[] = [];
    for await (const result of results) all.push(result);
    return all;
  }

  it('yields results as they finish, with their ids and input positions', async () => {
    upstream.respond((request) => ({ type: 'completion', text: 'ok', delayMs: promptOf(request) === 'slow' ? 400 : 0 }));
    const items: BatchItem[] = [{ id: 'slow', request: createChatRequest('cheap', 'slow') }, { id: 'fast', request: createChatRequest('cheap', 'fast') }, createChatRequest('nope', 'x')];
    const results = await collect(gateway.batch(items, { concurrency: 3 }));
    expect(results.map((result) => [result.id, result.index, result.outcome.type])).toEqual([
      ['2', 2, 'rejected'],
      ['fast', 1, 'completion'],
      ['slow', 0, 'completion'],
    ]);
    const rejected = results[0]?.outcome;
    expect(rejected?.type === 'rejected' && rejected.error.kind).toBe('not_found');
  });

  it('runs at most `concurrency` at a time and reads the input only as slots free up', async () => {
    let inFlight = 0;
    let most = 0;
    upstream.respond((request) => {
      most = Math.max(most, ++inFlight);
      void request.closed.then(() => inFlight--);
      return { type: 'completion', text: 'ok', delayMs: 20 };
    });
    let pulled = 0;
    let closed = false;
    function* endless(): Generator<BatchItem> {
      try {
        for (;;) yield createChatRequest('cheap', `item ${pulled++}`);
      } finally {
        closed = true;
      }
    }
    const seen: BatchResult[] = [];
    for await (const result of gateway.batch(endless(), { concurrency: 3 })) {
      seen.push(result);
      if (seen.length === 12) break;
    }
    expect(most).toBe(3);
    expect(pulled).toBeLessThanOrEqual(12 + 3);
    expect(closed).toBe(true);
    // Stopping early cut the calls still in flight and waited for them.
    await Promise.all(upstream.requests.map((request) => request.closed));
    expect(upstream.requests.length).toBeLessThanOrEqual(15);
  });

  it('holds at most `concurrency` requests, answered or not, for a consumer slower than the upstream', async () => {
    upstream.respond({ type: 'completion', text: 'ok' });
    const items = Array.from({ length: 30 }, (_, index) => createChatRequest('cheap', `item ${index}`));
    let consumed = 0;
    let most = 0;
    for await (const _result of gateway.batch(items, { concurrency: 3 })) {
      consumed++;
      most = Math.max(most, upstream.requests.length - consumed);
      await sleep(30);
    }
    expect(consumed).toBe(30);
    // Started and not yet handed to the consumer: never more than the 3 slots (answers waiting in a queue count).
    expect(most).toBeLessThanOrEqual(3);
  });

  it('stops starting new requests when the signal aborts and lets those in flight finish', async () => {
    upstream.respond({ type: 'completion', text: 'ok', delayMs: 50 });
    const stop = new AbortController();
    const items = Array.from({ length: 50 }, (_, index) => ({ id: `i${index}`, request: createChatRequest('cheap', `item ${index}`) }));
    const results: BatchResult[] = [];
    for await (const result of gateway.batch(items, { concurrency: 4, signal: stop.signal })) {
      results.push(result);
      if (results.length === 2) stop.abort();
    }
    expect(results.length).toBeGreaterThanOrEqual(4);
    expect(results.length).toBeLessThan(12);
    expect(results.every((result) => result.outcome.type === 'completion')).toBe(true);
    expect(upstream.requests).toHaveLength(results.length);
  });

  it('refuses a concurrency below 1', async () => {
    await expect(collect(gateway.batch([], { concurrency: 0 }))).rejects.toThrow('batch concurrency must be an integer >= 1, got 0.');
  });
});

