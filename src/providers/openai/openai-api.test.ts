import { describe, expect, it } from 'vitest';
import { ProviderHttpError, ProviderProtocolError } from '../../errors/provider-errors.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { SecretRedactor, type Redact } from '../shared/secret-redactor.js';
import { OpenAIChunkReader, readChatCompletion, readOpenAIError } from './openai-api.js';

const SOURCE = { provider: 'acme', model: 'acme-large' };
const SECRET = 'sk-live-abcdef0123456789';
const redact = (text: string): string => text.split(SECRET).join('[REDACTED]');
const noRedact = (text: string): string => text;
const redactor = new SecretRedactor([SECRET]);
const redactAndCut: Redact = (text, maxChars) => redactor.quote(text, maxChars);

function completion(overrides: Record<string, unknown> = {}, choice: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'acme-large-2025-01-01',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop', ...choice }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    ...overrides,
  };
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('readOpenAIError', () => {
  it('reads message, type, string code and param of an error object', () => {
    expect(
      readOpenAIError({ error: { message: 'bad model', type: 'invalid_request_error', code: 'model_not_found', param: 'model' } }, 404),
    ).toEqual({ status: 404, message: 'bad model', type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
  });

  it('takes the status from a numeric code in the HTTP error range (OpenRouter)', () => {
    expect(readOpenAIError({ error: { message: 'upstream down', code: 502 } }, 500)).toEqual({ status: 502, message: 'upstream down' });
  });

  it('keeps the fallback status for a numeric code outside 400-599', () => {
    expect(readOpenAIError({ error: { message: 'odd', code: 200 } }, 500)?.status).toBe(500);
    expect(readOpenAIError({ error: { message: 'odd', code: 42 } }, 503)?.status).toBe(503);
  });

  it('reads an error that is a plain string', () => {
    expect(readOpenAIError({ error: 'quota exceeded' }, 429)).toEqual({ status: 429, message: 'quota exceeded' });
  });

  it('uses the JSON of the error object as message when it has none', () => {
    expect(readOpenAIError({ error: { detail: 'x' } }, 500)?.message).toBe('{"detail":"x"}');
    const deep = JSON.parse(`{"error":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`) as unknown;
    expect(readOpenAIError(deep, 500)?.message).toBe('an error object nested too deeply to quote');
  });

  it('returns undefined when there is no error object', () => {
    expect(readOpenAIError({ choices: [] }, 500)).toBeUndefined();
    expect(readOpenAIError({ error: null }, 500)).toBeUndefined();
    expect(readOpenAIError('error', 500)).toBeUndefined();
    expect(readOpenAIError(null, 500)).toBeUndefined();
  });
});

describe('readChatCompletion', () => {
  it('reads id, created, model and the assistant message', () => {
    const result = readChatCompletion(completion(), SOURCE, noRedact);
    expect(result.id).toBe('chatcmpl-1');
    expect(result.created).toBe(1_700_000_000);
    expect(result.responseModel).toBe('acme-large-2025-01-01');
    expect(result.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: 'hi' }, finishReason: { unified: 'stop', raw: 'stop' } },
    ]);
  });

  it('keeps unknown message fields such as reasoning_content', () => {
    const result = readChatCompletion(
      completion({}, { message: { role: 'assistant', content: '42', reasoning_content: 'thinking...', annotations: [] } }),
      SOURCE,
      noRedact,
    );
    expect(result.choices[0]?.message).toEqual({ role: 'assistant', content: '42', reasoning_content: 'thinking...', annotations: [] });
  });

  it('keeps unknown top-level fields in extra, and only those', () => {
    const result = readChatCompletion(completion({ system_fingerprint: 'fp_123', service_tier: 'default', x_groq: { id: 'req' } }), SOURCE, noRedact);
    expect(result.extra).toEqual({ system_fingerprint: 'fp_123', service_tier: 'default', x_groq: { id: 'req' } });
  });

  it('leaves null top-level extras out', () => {
    expect(readChatCompletion(completion({ system_fingerprint: null }), SOURCE, noRedact).extra).toEqual({});
  });

  it('maps the eos finish reason to stop and keeps the raw value', () => {
    expect(readChatCompletion(completion({}, { finish_reason: 'eos' }), SOURCE, noRedact).choices[0]?.finishReason).toEqual({
      unified: 'stop',
      raw: 'eos',
    });
  });

  it('maps an unknown finish reason to other, never to stop', () => {
    expect(readChatCompletion(completion({}, { finish_reason: 'weird' }), SOURCE, noRedact).choices[0]?.finishReason).toEqual({
      unified: 'other',
      raw: 'weird',
    });
  });

  it('maps a null finish reason to other with no raw value', () => {
    expect(readChatCompletion(completion({}, { finish_reason: null }), SOURCE, noRedact).choices[0]?.finishReason).toEqual({
      unified: 'other',
      raw: undefined,
    });
  });

  // Looked up in a plain object literal, "constructor" would resolve to the Object function and
  // "__proto__" to Object.prototype; they are unknown reasons like any other.
  it('maps finish reasons named like Object.prototype members to other', () => {
    for (const raw of ['constructor', '__proto__']) {
      expect(readChatCompletion(completion({}, { finish_reason: raw }), SOURCE, noRedact).choices[0]?.finishReason).toEqual({
        unified: 'other',
        raw,
      });
    }
  });

  it('maps usage, including cached tokens from prompt_tokens_details and reasoning tokens', () => {
    const usage = {
      prompt_tokens: 100,
      completion_tokens: 40,
      total_tokens: 140,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 12 },
    };
    expect(readChatCompletion(completion({ usage }), SOURCE, noRedact).usage).toEqual({
      inputTokens: 100,
      cachedInputTokens: 64,
      cacheWriteTokens: undefined,
      outputTokens: 40,
      reasoningTokens: 12,
      estimated: false,
      raw: usage,
    });
  });

  it("maps DeepSeek's prompt_cache_hit_tokens to cached input tokens", () => {
    const usage = { prompt_tokens: 200, completion_tokens: 10, prompt_cache_hit_tokens: 150, prompt_cache_miss_tokens: 50 };
    const result = readChatCompletion(completion({ usage }), SOURCE, noRedact);
    expect(result.usage?.cachedInputTokens).toBe(150);
    expect(result.usage?.inputTokens).toBe(200);
  });

  it('leaves counts the upstream did not send undefined, not 0', () => {
    const result = readChatCompletion(completion({ usage: { prompt_tokens: 9 } }), SOURCE, noRedact);
    expect(result.usage?.inputTokens).toBe(9);
    expect(result.usage?.outputTokens).toBeUndefined();
    expect(result.usage?.cachedInputTokens).toBeUndefined();
    expect(result.usage?.reasoningTokens).toBeUndefined();
  });

  it('gives undefined usage when the answer has none, never zeros', () => {
    const withoutUsage = completion();
    delete withoutUsage['usage'];
    expect(readChatCompletion(withoutUsage, SOURCE, noRedact).usage).toBeUndefined();
    expect(readChatCompletion(completion({ usage: null }), SOURCE, noRedact).usage).toBeUndefined();
    expect(readChatCompletion(completion({ usage: {} }), SOURCE, noRedact).usage).toBeUndefined();
  });

  it('uses the position as index when a choice has none, and keeps logprobs', () => {
    const json = completion({
      choices: [
        { message: { role: 'assistant', content: 'a' }, finish_reason: 'stop' },
        { message: { role: 'assistant', content: 'b' }, finish_reason: 'length', logprobs: { content: [] } },
      ],
    });
    const result = readChatCompletion(json, SOURCE, noRedact);
    expect(result.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(result.choices[1]?.logprobs).toEqual({ content: [] });
    expect(result.choices[1]?.finishReason.unified).toBe('length');
    expect('logprobs' in (result.choices[0] ?? {})).toBe(false);
  });

  it('throws a ProviderHttpError with a redacted message for a 200 answer that is an error object', () => {
    const error = catchError(() =>
      readChatCompletion({ error: { message: `Invalid key ${SECRET}`, type: 'auth_error', code: 'invalid_api_key' } }, SOURCE, redact),
    );
    expect(error).toBeInstanceOf(ProviderHttpError);
    const http = error as ProviderHttpError;
    expect(http.message).toBe('Invalid key [REDACTED]');
    expect(http.message).not.toContain(SECRET);
    expect(http.status).toBe(502);
    expect(http.upstreamType).toBe('auth_error');
    expect(http.upstreamCode).toBe('invalid_api_key');
    expect(http.source).toEqual(SOURCE);
  });

  it('redacts the key echoed in the type, code or param of a 200 error answer and of an in-stream error, and bounds the message', () => {
    const echo = { error: { message: `${'m'.repeat(1_990)}${SECRET} and more`, type: `t-${SECRET}`, code: `c-${SECRET}`, param: `p-${SECRET}` } };
    const fromAnswer = catchError(() => readChatCompletion(echo, SOURCE, redactAndCut)) as ProviderHttpError;
    const fromStream = catchError(() => new OpenAIChunkReader(SOURCE, redactAndCut).read(echo, [])) as ProviderHttpError;
    for (const error of [fromAnswer, fromStream]) {
      expect([error.upstreamType, error.upstreamCode, error.upstreamParam]).toEqual(['t-[REDACTED]', 'c-[REDACTED]', 'p-[REDACTED]']);
      expect(error.message).toBe(`${'m'.repeat(1_990)}[REDACTED]…`);
    }
  });

  it('takes the status of a 200 error answer from its numeric code', () => {
    const error = catchError(() => readChatCompletion({ error: { message: 'rate limited', code: 429 } }, SOURCE, noRedact));
    expect((error as ProviderHttpError).status).toBe(429);
    expect((error as ProviderHttpError).retryable).toBe(true);
  });

  it('throws a ProviderProtocolError when there is no choices array', () => {
    expect(() => readChatCompletion({ id: 'x', object: 'chat.completion' }, SOURCE, noRedact)).toThrow(ProviderProtocolError);
    expect(() => readChatCompletion({ choices: 'nope' }, SOURCE, noRedact)).toThrow(ProviderProtocolError);
  });

  it('throws a ProviderProtocolError when the answer is not an object', () => {
    expect(() => readChatCompletion('OK', SOURCE, noRedact)).toThrow(ProviderProtocolError);
    expect(() => readChatCompletion([completion()], SOURCE, noRedact)).toThrow(ProviderProtocolError);
  });

  it('throws a ProviderProtocolError when a choice has no message object', () => {
    expect(() => readChatCompletion(completion({ choices: [{ index: 0, text: 'legacy' }] }), SOURCE, noRedact)).toThrow(
      ProviderProtocolError,
    );
  });
});

function chunk(delta: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-9',
    object: 'chat.completion.chunk',
    created: 1_700_000_001,
    model: 'acme-large-2025-01-01',
    choices: [{ index: 0, delta, finish_reason: null, ...extra }],
  };
}

function readChunks(reader: OpenAIChunkReader, chunks: readonly unknown[]): StreamPart[] {
  const parts: StreamPart[] = [];
  for (const json of chunks) reader.read(json, parts);
  return parts;
}

describe('OpenAIChunkReader', () => {
  it('yields one response-metadata part from the first chunk, then the deltas', () => {
    const reader = new OpenAIChunkReader(SOURCE, noRedact);
    const parts = readChunks(reader, [
      { ...chunk({ role: 'assistant', content: '' }), system_fingerprint: 'fp_1' },
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
    ]);
    expect(parts).toEqual([
      {
        type: 'response-metadata',
        id: 'chatcmpl-9',
        created: 1_700_000_001,
        responseModel: 'acme-large-2025-01-01',
        extra: { system_fingerprint: 'fp_1' },
      },
      { type: 'text-delta', choice: 0, text: 'Hel' },
      { type: 'text-delta', choice: 0, text: 'lo' },
    ]);
  });

  it('attaches logprobs to a text delta when the choice has them', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [chunk({ content: 'x' }, { logprobs: { content: [{ token: 'x' }] } })]);
    expect(parts[1]).toEqual({ type: 'text-delta', choice: 0, text: 'x', logprobs: { content: [{ token: 'x' }] } });
  });

  it('uses the index of each choice', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [
      { choices: [{ index: 1, delta: { content: 'b' } }, { index: 0, delta: { content: 'a' } }] },
    ]);
    expect(parts.slice(1)).toEqual([
      { type: 'text-delta', choice: 1, text: 'b' },
      { type: 'text-delta', choice: 0, text: 'a' },
    ]);
  });

  it('keeps index, id, name and argument fragments of tool-call deltas', () => {
    const reader = new OpenAIChunkReader(SOURCE, noRedact);
    const parts = readChunks(reader, [
      chunk({
        role: 'assistant',
        tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
    ]);
    expect(parts.slice(1)).toEqual([
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: 'call_a', name: 'get_weather', argumentsDelta: '' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: undefined, name: undefined, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: undefined, name: undefined, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 1, id: 'call_b', name: 'get_time', argumentsDelta: '{}' },
    ]);
  });

  it('uses the position of a tool call when it has no index', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [
      chunk({ tool_calls: [{ id: 'a', function: { name: 'f' } }, { id: 'b', function: { name: 'g' } }] }),
    ]);
    expect(parts.slice(1).map((part) => (part.type === 'tool-call-delta' ? part.toolIndex : -1))).toEqual([0, 1]);
  });

  it('yields a finish part and sets finished when a choice finishes', () => {
    const reader = new OpenAIChunkReader(SOURCE, noRedact);
    const first = readChunks(reader, [chunk({ content: 'done' })]);
    expect(reader.finished).toBe(false);
    expect(first.some((part) => part.type === 'finish')).toBe(false);
    const last = readChunks(reader, [chunk({}, { finish_reason: 'tool_calls' })]);
    expect(last).toEqual([{ type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'tool_calls' } }]);
    expect(reader.finished).toBe(true);
  });

  it('maps an unknown streamed finish reason to other', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [chunk({}, { finish_reason: 'weird' })]);
    expect(parts[1]).toEqual({ type: 'finish', choice: 0, finishReason: { unified: 'other', raw: 'weird' } });
  });

  it('yields a usage part for a usage-only chunk with an empty choices array', () => {
    const reader = new OpenAIChunkReader(SOURCE, noRedact);
    readChunks(reader, [chunk({ content: 'x' }, { finish_reason: 'stop' })]);
    const usage = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 8 } };
    const parts = readChunks(reader, [{ id: 'chatcmpl-9', object: 'chat.completion.chunk', choices: [], usage }]);
    expect(parts).toEqual([
      {
        type: 'usage',
        usage: {
          inputTokens: 12,
          cachedInputTokens: 8,
          cacheWriteTokens: undefined,
          outputTokens: 3,
          reasoningTokens: undefined,
          estimated: false,
          raw: usage,
        },
      },
    ]);
  });

  it('yields no usage part for chunks that carry usage: null', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [{ ...chunk({ content: 'x' }), usage: null }]);
    expect(parts.some((part) => part.type === 'usage')).toBe(false);
  });

  it('turns reasoning_content deltas into reasoning-delta parts', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [chunk({ reasoning_content: 'let me think' })]);
    expect(parts.slice(1)).toEqual([{ type: 'reasoning-delta', choice: 0, text: 'let me think' }]);
  });

  it('turns OpenRouter reasoning deltas into reasoning-delta parts', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [chunk({ reasoning: 'hmm', content: null })]);
    expect(parts.slice(1)).toEqual([{ type: 'reasoning-delta', choice: 0, text: 'hmm' }]);
  });

  it('puts reasoning before text when one delta carries both', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [chunk({ reasoning_content: 'r', content: 't' })]);
    expect(parts.slice(1).map((part) => part.type)).toEqual(['reasoning-delta', 'text-delta']);
  });

  it('turns refusal deltas into refusal-delta parts', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [chunk({ refusal: 'I cannot' })]);
    expect(parts.slice(1)).toEqual([{ type: 'refusal-delta', choice: 0, text: 'I cannot' }]);
  });

  it('yields no delta parts for empty or null content', () => {
    const parts = readChunks(new OpenAIChunkReader(SOURCE, noRedact), [chunk({ role: 'assistant', content: '' }), chunk({ content: null })]);
    expect(parts.map((part) => part.type)).toEqual(['response-metadata']);
  });

  it('throws a ProviderHttpError with the numeric code as status for an in-stream error (OpenRouter 502)', () => {
    const reader = new OpenAIChunkReader(SOURCE, redact);
    readChunks(reader, [chunk({ content: 'partial' })]);
    const error = catchError(() => reader.read({ error: { message: `Provider returned error for ${SECRET}`, code: 502 } }, []));
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect((error as ProviderHttpError).status).toBe(502);
    expect((error as ProviderHttpError).message).toBe('Provider returned error for [REDACTED]');
  });

  it('gives an in-stream error without a numeric code status 500', () => {
    const reader = new OpenAIChunkReader(SOURCE, noRedact);
    const error = catchError(() => reader.read({ error: { message: 'overloaded', type: 'server_error', code: 'overloaded' } }, []));
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect((error as ProviderHttpError).status).toBe(500);
    expect((error as ProviderHttpError).upstreamCode).toBe('overloaded');
  });

  it('throws a ProviderProtocolError for a chunk that is not an object', () => {
    expect(() => new OpenAIChunkReader(SOURCE, noRedact).read('[DONE]', [])).toThrow(ProviderProtocolError);
  });
});
