import { describe, expect, it } from 'vitest';
import { ProviderProtocolError } from '../../errors/provider-errors.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { ResponsesStreamEncoder } from './responses-stream-encoder.js';

const TRACE = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const HEX = TRACE.replaceAll('-', '');

function encoder(): ResponsesStreamEncoder {
  return new ResponsesStreamEncoder({ traceId: TRACE, createdAt: 1_700_000_000, model: 'strong', echo: { store: true } });
}

function parse(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      const data = JSON.parse((dataLine ?? '').slice('data: '.length)) as Record<string, unknown>;
      expect(eventLine).toBe(`event: ${String(data['type'])}`);
      return data;
    });
}

const usage: StreamPart = { type: 'usage', usage: { inputTokens: 5, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 4, reasoningTokens: undefined, estimated: false } };

describe('ResponsesStreamEncoder', () => {
  it('encodes reasoning, text, refusal and calls as items, each opened, filled and closed, then response.completed', () => {
    const stream = encoder();
    const parts: StreamPart[] = [
      { type: 'response-metadata', id: 'x', created: 1, responseModel: 'w', extra: {} },
      { type: 'reasoning-delta', choice: 0, text: 'Hm' },
      { type: 'reasoning-delta', choice: 0, text: 'm.' },
      { type: 'text-delta', choice: 0, text: 'Hi' },
      { type: 'text-delta', choice: 0, text: '!' },
      { type: 'refusal-delta', choice: 0, text: 'No.' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: 'call_a', name: 'f', argumentsDelta: '{"a"' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 1, id: 'call_b', name: 'g', argumentsDelta: '{}' },
      { type: 'tool-call-delta', choice: 0, toolIndex: 0, id: undefined, name: undefined, argumentsDelta: ':1}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'tool_calls' } },
      usage,
    ];
    const events = parse(parts.map((part) => stream.encode(part)).join('') + stream.end());
    expect(events.map((event) => event['type'])).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.content_part.added',
      'response.refusal.delta',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event['sequence_number'])).toEqual(events.map((_, index) => index));
    expect(events[0]).toMatchObject({ response: { id: `resp_${HEX}`, status: 'in_progress', output: [], model: 'strong', store: true } });
    expect(events[12]).toMatchObject({ item_id: `msg_${HEX}_1`, output_index: 1, content_index: 0, delta: '!' });
    expect(events[16]).toMatchObject({ item_id: `msg_${HEX}_1`, output_index: 1, content_index: 1, delta: 'No.' });
    expect(events[24]).toMatchObject({ item_id: `fc_${HEX}_2`, output_index: 2, delta: ':1}' });
    const completed = events.at(-1)?.['response'];
    expect(completed).toEqual(stream.response);
    expect(completed).toMatchObject({
      status: 'completed',
      output: [
        { id: `rs_${HEX}_0`, type: 'reasoning', summary: [{ type: 'summary_text', text: 'Hmm.' }] },
        { id: `msg_${HEX}_1`, type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Hi!' }, { type: 'refusal', refusal: 'No.' }] },
        { id: `fc_${HEX}_2`, type: 'function_call', call_id: 'call_a', name: 'f', arguments: '{"a":1}', status: 'completed' },
        { id: `fc_${HEX}_3`, type: 'function_call', call_id: 'call_b', name: 'g', arguments: '{}', status: 'completed' },
      ],
      usage: { input_tokens: 5, output_tokens: 4, total_tokens: 9, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it('ends incomplete when the answer hit its token limit', () => {
    const stream = encoder();
    const text = stream.encode({ type: 'text-delta', choice: 0, text: 'Half' }) + stream.encode({ type: 'finish', choice: 0, finishReason: { unified: 'length', raw: 'length' } }) + stream.end();
    const last = parse(text).at(-1);
    expect(last).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ status: 'incomplete' }] } });
  });

  it('ends a failure with an error event the openai client raises, then response.failed with the finished items', () => {
    const stream = encoder();
    const error = new ProviderProtocolError({ provider: 'p', model: 'm' }, 'cut');
    let text = stream.encode({ type: 'text-delta', choice: 0, text: 'Par' });
    text += stream.encode({ type: 'error', error });
    text += stream.error({ type: 'upstream_error', code: 'upstream_protocol_error', message: 'The upstream broke off.' });
    const events = parse(text);
    expect(events.slice(-2)).toEqual([
      {
        type: 'error',
        code: 'upstream_protocol_error',
        message: 'The upstream broke off.',
        param: null,
        error: { type: 'upstream_error', code: 'upstream_protocol_error', message: 'The upstream broke off.', param: null },
        sequence_number: events.length - 2,
      },
      expect.objectContaining({ type: 'response.failed', response: expect.objectContaining({ status: 'failed', error: { code: 'upstream_protocol_error', message: 'The upstream broke off.' }, output: [] }) }),
    ]);
  });

  it("ends a summarized reasoning as the upstream's own item, and sends any other item of an upstream as it is", () => {
    const stream = encoder();
    const reasoning = { id: 'rs_up', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Hmm.' }], encrypted_content: 'gAAA' };
    const search = { id: 'ws_up', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'q' } };
    const parts: StreamPart[] = [
      { type: 'reasoning-delta', choice: 0, text: 'Hmm.' },
      { type: 'output-item', choice: 0, item: reasoning },
      { type: 'output-item', choice: 0, item: search },
      { type: 'text-delta', choice: 0, text: 'Found.' },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'completed' } },
    ];
    const events = parse(parts.map((part) => stream.encode(part)).join('') + stream.end());
    expect(events.filter((event) => event['type'] === 'response.output_item.done').map((event) => [event['output_index'], event['item']])).toEqual([
      [0, reasoning],
      [1, search],
      [2, expect.objectContaining({ type: 'message' })],
    ]);
    expect(events.filter((event) => event['type'] === 'response.output_item.added')).toHaveLength(3);
    expect(stream.response?.['output']).toEqual([reasoning, search, expect.objectContaining({ type: 'message' })]);
  });

  it('starts and ends a stream that had no content', () => {
    const stream = encoder();
    const events = parse(stream.encode(usage) + stream.end());
    expect(events.map((event) => event['type'])).toEqual(['response.created', 'response.in_progress', 'response.completed']);
  });
});
