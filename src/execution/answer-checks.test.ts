import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '../spec/check-spec.js';
import type { ChatResult } from '../spec/chat-result.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import { compileCheck, isRefusalResult } from './answer-checks.js';
import type { Judge } from './judge.js';

function result(content: string | null, extra: Partial<ChatResult['choices'][number]> = {}, message: Record<string, unknown> = {}): ChatResult {
  return {
    id: undefined,
    created: undefined,
    responseModel: undefined,
    choices: [{ index: 0, message: { role: 'assistant', content, ...message }, finishReason: { unified: 'stop', raw: 'stop' }, ...extra }],
    usage: undefined,
    extra: {},
  };
}

const none: CheckSpec = { jsonSchema: false, regex: undefined, refusal: false, minLength: undefined, judge: undefined, logprobs: undefined };
const noJudge = {} as Judge;

describe('refusal detection', () => {
  it.each([
    "I'm sorry, but I can't help with that.",
    'I’m sorry, but I can’t assist with that request.',
    'Sorry, I cannot provide that.',
    'I cannot help with this request.',
    "I won't do that.",
    'As an AI language model, I cannot browse the internet.',
  ])('declines: %s', (text) => {
    expect(isRefusalResult(result(text))).toBe(true);
  });

  it.each([
    "I can't stress enough how important tests are.",
    'Here is the answer: I cannot is a common phrase.',
    'Sorry for the delay! The capital of Japan is Tokyo.',
    'The function returns None when it cannot parse the line.',
  ])('answers: %s', (text) => {
    expect(isRefusalResult(result(text))).toBe(false);
  });

  it('counts a content-filter stop and a refusal field', () => {
    expect(isRefusalResult(result('', { finishReason: { unified: 'content_filter', raw: 'content_filter' } }))).toBe(true);
    expect(isRefusalResult(result(null, {}, { refusal: 'No.' }))).toBe(true);
  });
});

describe('compileCheck', () => {
  const schemaRequest = createChatRequest('x', 'give json', {
    responseFormat: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } },
  });

  it('json_schema: validates against the request schema, and passes a request that asked for no JSON', async () => {
    const check = compileCheck({ ...none, jsonSchema: true });
    expect((await check.run(result('{"n": 3}'), schemaRequest, noJudge, 0)).passed).toBe(true);
    const wrong = await check.run(result('{"n": "3"}'), schemaRequest, noJudge, 0);
    expect(wrong.passed).toBe(false);
    expect(wrong.results[0]?.detail).toContain('/n: expected integer');
    expect((await check.run(result('not json'), schemaRequest, noJudge, 0)).results[0]?.detail).toMatch(/^not JSON/);
    expect((await check.run(result('plain text'), createChatRequest('x', 'hi'), noJudge, 0)).passed).toBe(true);
  });

  it('json_schema: checks tool-call arguments against the tool parameters', async () => {
    const request = createChatRequest('x', 'call it', {
      tools: [{ type: 'function', function: { name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] } } }],
    });
    const call = (args: string) => result(null, {}, { tool_calls: [{ id: '1', type: 'function', function: { name: 'add', arguments: args } }] });
    const check = compileCheck({ ...none, jsonSchema: true });
    expect((await check.run(call('{"a": 1}'), request, noJudge, 0)).passed).toBe(true);
    expect((await check.run(call('{"b": 1}'), request, noJudge, 0)).passed).toBe(false);
    expect((await check.run(call('{"a": '), request, noJudge, 0)).passed).toBe(false);
  });

  it('min_length counts characters, not UTF-16 units', async () => {
    const check = compileCheck({ ...none, minLength: 3 });
    expect((await check.run(result('😀😀😀'), schemaRequest, noJudge, 0)).passed).toBe(true);
    expect((await check.run(result('😀😀'), schemaRequest, noJudge, 0)).passed).toBe(false);
  });

  it('logprobs: the mean token probability against the bound; none returned fails', async () => {
    const check = compileCheck({ ...none, logprobs: { min: 0.5 } });
    expect(check.needsLogprobs).toBe(true);
    const withLogprobs = (values: number[]) => result('a b', { logprobs: { content: values.map((logprob) => ({ token: 't', logprob })) } });
    // exp(mean(ln 0.9, ln 0.4)) = sqrt(0.36) = 0.6
    const high = await check.run(withLogprobs([Math.log(0.9), Math.log(0.4)]), schemaRequest, noJudge, 0);
    expect(high.passed).toBe(true);
    expect(high.results[0]?.score).toBe(0.6);
    expect((await check.run(withLogprobs([Math.log(0.2), Math.log(0.4)]), schemaRequest, noJudge, 0)).passed).toBe(false);
    expect((await check.run(result('a b'), schemaRequest, noJudge, 0)).results[0]?.detail).toBe('the model returned no logprobs');
  });

  it('runs every check, and the judge only once the free ones passed', async () => {
    let graded = 0;
    const judge = {
      grade: () => {
        graded++;
        return Promise.resolve({ result: { check: 'judge' as const, passed: true, score: 1 }, attempts: [] });
      },
    } as unknown as Judge;
    const check = compileCheck({ ...none, regex: '/^ok/i', minLength: 2, judge: { model: 'j', rubric: undefined, threshold: 0.5, timeoutMs: 1000 } });
    const failing = await check.run(result('nope'), schemaRequest, judge, 0);
    expect(failing.results.map((item) => [item.check, item.passed])).toEqual([
      ['min_length', true],
      ['regex', false],
    ]);
    expect(graded).toBe(0);
    const passing = await check.run(result('OK then'), schemaRequest, judge, 0);
    expect(passing.passed).toBe(true);
    expect(passing.results.map((item) => item.check)).toEqual(['min_length', 'regex', 'judge']);
    expect(graded).toBe(1);
  });
});
