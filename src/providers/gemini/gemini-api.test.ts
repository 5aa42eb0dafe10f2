import { describe, expect, it } from 'vitest';
import { ProviderHttpError, ProviderProtocolError } from '../../errors/provider-errors.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { GeminiChunkReader, readGenerateContent } from './gemini-api.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';

const source = { provider: 'google', model: 'gemini-2.5-flash' };
const redact = (text: string): string => text.replaceAll('SECRET', '[REDACTED]');

const answer = (candidates: unknown[], extra: Record<string, unknown> = {}) => ({ candidates, responseId: 'resp-1', modelVersion: 'gemini-2.5-flash-002', ...extra });

describe('readGenerateContent', () => {
  it('reads text, thoughts, calls with ids unique across candidates, signatures, and the answer ids', () => {
    const result = readGenerateContent(
      answer([
        {
          index: 0,
          content: { role: 'model', parts: [{ text: 'Hmm.', thought: true }, { text: 'Calling.' }, { functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'sig-1' }, { functionCall: { name: 'g' } }] },
          finishReason: 'STOP',
        },
        { index: 1, content: { role: 'model', parts: [{ text: 'Done', thoughtSignature: 'text-sig' }] }, finishReason: 'STOP' },
      ]),
      source,
      redact,
    );
    expect(result).toMatchObject({ id: 'resp-1', responseModel: 'gemini-2.5-flash-002', extra: {} });
    expect(result.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: 'Calling.',
        reasoning_content: 'Hmm.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' }, extra_content: { google: { thought_signature: 'sig-1' } } },
          { id: 'call_2', type: 'function', function: { name: 'g', arguments: '{}' } },
        ],
      },
      finishReason: { unified: 'tool_calls', raw: 'STOP' },
    });
    expect(result.choices[1]).toEqual({
      index: 1,
      message: { role: 'assistant', content: 'Done', extra_content: { google: { thought_signature: 'text-sig' } } },
      finishReason: { unified: 'stop', raw: 'STOP' },
    });
  });

  it('reads a blocked prompt as a content_filter finish with empty content, usage kept', () => {
    const result = readGenerateContent({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } }, source, redact);
    expect(result.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '' }, finishReason: { unified: 'content_filter', raw: 'PROHIBITED_CONTENT' } }]);
    expect(result.usage).toMatchObject({ inputTokens: 9, outputTokens: undefined });
  });

  it('maps usage: tool-use prompt as input, thoughts as output and reasoning, cached as given, absent counts undefined', () => {
    const result = readGenerateContent(
      answer([{ content: { parts: [{ text: 'x' }] }, finishReason: 'STOP' }], {
        usageMetadata: { promptTokenCount: 100, toolUsePromptTokenCount: 20, cachedContentTokenCount: 60, candidatesTokenCount: 7, thoughtsTokenCount: 40, totalTokenCount: 167 },
      }),
      source,
      redact,
    );
    expect(result.usage).toMatchObject({ inputTokens: 120, cachedInputTokens: 60, cacheWriteTokens: undefined, outputTokens: 47, reasoningTokens: 40, estimated: false });
    const plain = readGenerateContent(answer([{ content: { parts: [{ text: 'x' }] }, finishReason: 'STOP' }], { usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 } }), source, redact);
    expect(plain.usage).toMatchObject({ inputTokens: 3, cachedInputTokens: undefined, outputTokens: 1, reasoningTokens: undefined });
  });

  it('drops parts it has no place for, with a warning naming their kinds', () => {
    const result = readGenerateContent(answer([{ content: { parts: [{ executableCode: { code: 'print(1)' } }, { text: 'ok' }] }, finishReason: 'STOP' }]), source, redact);
    expect(result.choices[0]?.message.content).toBe('ok');
    expect(result.warnings).toEqual(['dropped answer parts the canonical result has no place for: executableCode']);
  });

  it('throws the error a 200 answer carries, redacted, and a protocol error for an answer with nothing in it', () => {
    const error = (() => {
      try {
        readGenerateContent({ error: { code: 429, message: 'quota for SECRET', status: 'RESOURCE_EXHAUSTED' } }, source, redact);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 429, retryable: true, message: 'quota for [REDACTED]', upstreamType: 'RESOURCE_EXHAUSTED' });
    expect(() => readGenerateContent({ usageMetadata: {} }, source, redact)).toThrow(ProviderProtocolError);
  });
});

describe('mapGeminiFinishReason', () => {
  it.each([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', true, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['IMAGE_SAFETY', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'other'],
    ['constructor', false, 'other'],
  ])('%s (calls: %s) → %s, raw kept', (raw, calls, unified) => {
    expect(mapGeminiFinishReason(raw, calls)).toEqual({ unified, raw });
  });
});

describe('GeminiChunkReader', () => {
  const read = (chunks: unknown[]): StreamPart[] => {
    const reader = new GeminiChunkReader(source, redact);
    const parts: StreamPart[] = [];
    for (const chunk of chunks) reader.read(chunk, parts);
    reader.end(parts);
    return parts;
  };

  it('yields metadata once, deltas, whole calls with their signature, the finish, then the last usage totals', () => {
    const usage = (candidates: number) => ({ promptTokenCount: 10, candidatesTokenCount: candidates, totalTokenCount: 10 + candidates });
    const parts = read([
      answer([{ content: { role: 'model', parts: [{ text: 'Think', thought: true }] } }], { usageMetadata: usage(1) }),
      answer([{ content: { role: 'model', parts: [{ text: 'Hi ' }] } }], { usageMetadata: usage(2) }),
      answer([{ content: { role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'sig' }] }, finishReason: 'STOP' }], { usageMetadata: usage(5) }),
    ]);
    expect(parts).toEqual([
      { type: 'response-metadata', id: 'resp-1', created: undefined, responseModel: 'gemini-2.5-flash-002', extra: {} },
      { type: 'reasoning-delta', choice: 0, text: 'Think' },
      { type: 'text-delta', choice: 0, text: 'Hi ' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: 'call_1', name: 'f', argumentsDelta: '{}', thoughtSignature: 'sig' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'STOP' } },
      { type: 'usage', usage: expect.objectContaining({ inputTokens: 10, outputTokens: 5 }) },
    ]);
  });

  it('finishes a blocked prompt with content_filter', () => {
    expect(read([{ promptFeedback: { blockReason: 'SAFETY' } }]).filter((part) => part.type === 'finish')).toEqual([
      { type: 'finish', choice: 0, finishReason: { unified: 'content_filter', raw: 'SAFETY' } },
    ]);
  });

  it('calls a stream without a finish cut, and throws an error chunk with its status', () => {
    expect(() => read([answer([{ content: { parts: [{ text: 'a' }] } }])])).toThrow('upstream stream ended before the answer was complete');
    expect(() => read([{ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }])).toThrow(expect.objectContaining({ status: 503, retryable: true }));
    expect(() => read([{ error: { message: 'no code', status: 'INVALID_ARGUMENT' } }])).toThrow(expect.objectContaining({ status: 400, retryable: false }));
  });
});
