import { describe, expect, it } from 'vitest';
import { ProviderHttpError, ProviderProtocolError } from '../../../errors/provider-errors.js';
import type { StreamPart } from '../../../spec/stream-part.js';
import { credentialRedactor } from '../../shared/secret-redactor.js';
import { readResponse, ResponsesEventReader } from './responses-api.js';

const source = { provider: 'openai', model: 'gpt-5-codex' };
const KEY = 'sk-responses-secret-0123456789';
const redact = credentialRedactor(KEY, {});

const usage = { input_tokens: 1000, input_tokens_details: { cached_tokens: 400, cache_write_tokens: 100 }, output_tokens: 200, output_tokens_details: { reasoning_tokens: 50 }, total_tokens: 1200 };

function response(fields: Record<string, unknown>): Record<string, unknown> {
  return { id: 'resp_1', object: 'response', created_at: 1700000000, model: 'gpt-5-codex-2025', status: 'completed', incomplete_details: null, error: null, output: [], usage, service_tier: 'default', ...fields };
}

describe('readResponse', () => {
  it('reads text, refusal, function calls, reasoning summaries and usage', () => {
    const result = readResponse(
      response({
        output: [
          { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'First.' }, { type: 'summary_text', text: 'Second.' }], encrypted_content: 'enc' },
          { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Calling.', annotations: [{ type: 'url_citation', url: 'https://x.test' }] }, { type: 'refusal', refusal: 'Not that.' }] },
          { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Rome"}', status: 'completed' },
          { type: 'web_search_call', id: 'ws_1', status: 'completed' },
        ],
      }),
      source,
      redact,
      false,
    );
    expect(result).toEqual({
      id: 'resp_1',
      created: 1700000000,
      responseModel: 'gpt-5-codex-2025',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Calling.',
            refusal: 'Not that.',
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }],
            reasoning_content: 'First.\n\nSecond.',
            annotations: [{ type: 'url_citation', url: 'https://x.test' }],
          },
          finishReason: { unified: 'tool_calls', raw: 'completed' },
        },
      ],
      usage: { inputTokens: 1000, cachedInputTokens: 400, cacheWriteTokens: 100, outputTokens: 200, reasoningTokens: 50, estimated: false, raw: usage },
      extra: { service_tier: 'default' },
    });
  });

  it('keeps reasoning and built-in tool items on the message for a Responses client only, and content null beside calls alone', () => {
    const reasoning = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'enc' };
    const searched = { type: 'web_search_call', id: 'ws_1', status: 'completed' };
    const answer = response({ output: [reasoning, searched, { type: 'function_call', call_id: 'call_2', name: 'f', arguments: '{}' }] });
    expect(readResponse(answer, source, redact, true).choices[0]?.message).toMatchObject({ content: null, responses_items: [reasoning, searched] });
    expect(readResponse(answer, source, redact, false).choices[0]?.message).not.toHaveProperty('responses_items');
  });

  it.each([
    ['max_output_tokens', 'length'],
    ['content_filter', 'content_filter'],
    ['something_new', 'other'],
  ])('reads an incomplete response for %s as %s', (reason, unified) => {
    const result = readResponse(response({ status: 'incomplete', incomplete_details: { reason }, output: [] }), source, redact, false);
    expect(result.choices[0]?.finishReason).toEqual({ unified, raw: reason });
    expect(result.choices[0]?.message.content).toBe('');
  });

  it('throws a failed response as its error, retryable by its code, the key redacted', () => {
    const failed = (code: string): unknown => {
      try {
        return readResponse(response({ status: 'failed', error: { code, message: `boom with ${KEY}` }, output: [] }), source, redact, false);
      } catch (error) {
        return error;
      }
    };
    expect(failed('rate_limit_exceeded')).toMatchObject({ kind: 'upstream_http', status: 429, retryable: true, upstreamCode: 'rate_limit_exceeded' });
    expect(failed('server_error')).toMatchObject({ status: 500, retryable: true });
    expect(failed('invalid_prompt')).toMatchObject({ status: 400, retryable: false });
    expect(failed('image_too_large')).toMatchObject({ status: 400, retryable: false });
    expect((failed('server_error') as Error).message).not.toContain(KEY);
    expect(() => readResponse({ id: 'x' }, source, redact, false)).toThrow(ProviderProtocolError);
  });
});

function read(events: Array<Record<string, unknown>>): { parts: StreamPart[]; reader: ResponsesEventReader } {
  const reader = new ResponsesEventReader(source, redact);
  const parts: StreamPart[] = [];
  for (const event of events) reader.read(event, parts);
  return { parts, reader };
}

const opening = { type: 'response.created', response: response({ status: 'in_progress', output: [], usage: null }) };

describe('ResponsesEventReader', () => {
  it('turns text, reasoning summary and function call events into parts, finishing with usage', () => {
    const final = response({ output: [] });
    const { parts, reader } = read([
      opening,
      { type: 'response.in_progress', response: {} },
      { type: 'response.reasoning_summary_part.added', output_index: 0, summary_index: 0 },
      { type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 0, delta: 'One.' },
      { type: 'response.reasoning_summary_part.added', output_index: 0, summary_index: 1 },
      { type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 1, delta: 'Two.' },
      { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'Hel' },
      { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'lo' },
      { type: 'response.output_item.added', output_index: 2, item: { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '' } },
      { type: 'response.function_call_arguments.delta', output_index: 2, delta: '{"city":' },
      { type: 'response.function_call_arguments.delta', output_index: 2, delta: '"Rome"}' },
      { type: 'response.function_call_arguments.done', output_index: 2, arguments: '{"city":"Rome"}' },
      { type: 'response.output_item.added', output_index: 3, item: { type: 'function_call', id: 'fc_2', call_id: 'call_2', name: 'get_time', arguments: '' } },
      { type: 'response.function_call_arguments.done', output_index: 3, arguments: '{}' },
      { type: 'response.completed', response: final },
    ]);
    expect(parts).toEqual([
      { type: 'response-metadata', id: 'resp_1', created: 1700000000, responseModel: 'gpt-5-codex-2025', extra: { service_tier: 'default' } },
      { type: 'reasoning-delta', choice: 0, text: 'One.' },
      { type: 'reasoning-delta', choice: 0, text: '\n\n' },
      { type: 'reasoning-delta', choice: 0, text: 'Two.' },
      { type: 'text-delta', choice: 0, text: 'Hel' },
      { type: 'text-delta', choice: 0, text: 'lo' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: 'call_1', name: 'get_weather', argumentsDelta: '' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: undefined, name: undefined, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: undefined, name: undefined, argumentsDelta: '"Rome"}' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 1, id: 'call_2', name: 'get_time', argumentsDelta: '' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 1, id: undefined, name: undefined, argumentsDelta: '{}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'completed' } },
      { type: 'usage', usage: expect.objectContaining({ inputTokens: 1000, cachedInputTokens: 400, cacheWriteTokens: 100, outputTokens: 200, reasoningTokens: 50 }) },
    ]);
    expect(reader.finished).toBe(true);
  });

  it('finishes an incomplete response as length', () => {
    const { parts } = read([opening, { type: 'response.incomplete', response: response({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }) }]);
    expect(parts).toContainEqual({ type: 'finish', choice: 0, finishReason: { unified: 'length', raw: 'max_output_tokens' } });
  });

  it('throws response.failed and error events as errors retryable by their code', () => {
    const failure = (event: Record<string, unknown>): unknown => {
      try {
        read([opening, event]);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const failed = failure({ type: 'response.failed', response: response({ status: 'failed', error: { code: 'server_error', message: 'The server had an error.' } }) });
    expect(failed).toBeInstanceOf(ProviderHttpError);
    expect(failed).toMatchObject({ status: 500, retryable: true, message: 'The server had an error.' });
    expect(failure({ type: 'error', code: 'rate_limit_exceeded', message: 'Slow down.', param: null })).toMatchObject({ status: 429, retryable: true, upstreamCode: 'rate_limit_exceeded' });
    expect(failure({ type: 'error', code: 'invalid_prompt', message: 'No.', param: null })).toMatchObject({ status: 400, retryable: false });
    expect(failure({ type: 'response.function_call_arguments.delta', output_index: 9, delta: '{}' })).toBeInstanceOf(ProviderProtocolError);
  });
});
