import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../errors/request-errors.js';
import { fromResponsesBody } from '../wire-bodies.js';
import { toResponsesChatRequest } from './convert-responses-request.js';
import { parseResponsesBody } from './parse-responses-body.js';

function convert(body: Record<string, unknown>, history: Record<string, unknown>[] = []): ReturnType<typeof toResponsesChatRequest> {
  return toResponsesChatRequest(parseResponsesBody({ model: 'm', ...body }), history);
}

function refusal(body: Record<string, unknown>): InvalidRequestError {
  try {
    convert(body);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('toResponsesChatRequest', () => {
  it('makes instructions a leading system message and a string input one user message', () => {
    const { chat, items } = convert({ instructions: 'Be brief.', input: 'Hi' });
    expect(chat).toMatchObject({ model: 'm', dialect: 'responses', stream: false, includeUsage: true, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] });
    expect(items).toEqual([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }]);
  });

  it('converts message items and their parts, typed or not', () => {
    const { chat } = convert({
      input: [
        { role: 'developer', content: 'Rules.' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look:' },
            { type: 'input_image', image_url: 'https://x/cat.png', detail: 'low' },
            { type: 'input_image', file_id: 'file_img', detail: 'auto' },
            { type: 'input_file', file_data: 'data:application/pdf;base64,AAA', filename: 'a.pdf' },
            { type: 'input_file', file_id: 'file_doc' },
          ],
        },
        { type: 'message', role: 'assistant', id: 'msg_1', status: 'completed', content: [{ type: 'output_text', text: 'Seen.', annotations: [] }, { type: 'refusal', refusal: 'But no.' }] },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'developer', content: 'Rules.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image_url', image_url: { url: 'https://x/cat.png', detail: 'low' } },
          { type: 'input_image', file_id: 'file_img', detail: 'auto' },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,AAA', filename: 'a.pdf' } },
          { type: 'file', file: { file_id: 'file_doc' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Seen.' }, { type: 'refusal', refusal: 'But no.' }] },
    ]);
  });

  it('joins an assistant message and the calls after it into one turn, and answers each output with a tool message', () => {
    const { chat } = convert({
      input: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAA' },
        { role: 'assistant', content: 'Checking.' },
        { type: 'function_call', call_id: 'c1', name: 'weather', arguments: '{"city":"Paris"}', id: 'fc_1', status: 'completed' },
        { type: 'function_call', call_id: 'c2', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'rain' }] },
        { type: 'reasoning', id: 'rs_2', summary: [{ type: 'summary_text', text: 'ours' }] },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'x' } },
        { role: 'assistant', content: 'Done.' },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        responses_items: [{ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAA' }],
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'c2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'c2', content: 'rain' },
      // A reasoning item without encrypted content is dropped: no target can verify it.
      { role: 'assistant', content: 'Done.', responses_items: [{ type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'x' } }] },
    ]);
  });

  it('converts the stored history before the input, and resolves references into it', () => {
    const history = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Q' }] },
      { type: 'function_call', id: 'fc_9', call_id: 'c9', name: 'f', arguments: '{}' },
    ];
    const { chat, items } = convert({ input: [{ type: 'function_call_output', call_id: 'c9', output: 'ok' }, { id: 'fc_9' }] }, history);
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c9', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c9', content: 'ok' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c9', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    ]);
    expect(items).toEqual([...history, { type: 'function_call_output', call_id: 'c9', output: 'ok' }, history[1]]);
  });

  it('translates tools, tool choice, text format and reasoning effort, and keeps the rest for a Responses target', () => {
    const { chat } = convert({
      input: 'x',
      tools: [
        { type: 'function', name: 'f', description: 'F', parameters: { type: 'object' }, strict: true, defer_loading: true },
        { type: 'web_search', search_context_size: 'low' },
      ],
      tool_choice: { type: 'function', name: 'f' },
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      reasoning: { effort: 'high', summary: 'auto' },
      max_output_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      parallel_tool_calls: false,
      user: 'u1',
      metadata: { team: 'a' },
      store: false,
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
      prompt_cache_key: 'k',
      previous_response_id: 'resp_1',
      stream: true,
    });
    const tools = [
      { type: 'function', defer_loading: true, function: { name: 'f', description: 'F', parameters: { type: 'object' }, strict: true } },
      { type: 'web_search', search_context_size: 'low' },
    ];
    expect(chat.tools).toEqual(tools);
    expect(chat.responseFormat).toEqual({ type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } });
    expect(chat.maxOutputTokens).toBe(100);
    expect(chat.metadata).toEqual({ team: 'a' });
    expect(chat.stream).toBe(true);
    expect(chat.passthrough).toEqual({
      tools,
      tool_choice: { type: 'function', function: { name: 'f' } },
      response_format: chat.responseFormat,
      reasoning_effort: 'high',
      max_completion_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      parallel_tool_calls: false,
      user: 'u1',
    });
    expect(chat.dialectFields).toEqual({
      store: false,
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
      prompt_cache_key: 'k',
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      reasoning: { effort: 'high', summary: 'auto' },
    });
  });

  it('keeps a tool choice of a built-in tool for a Responses target, and maps json_object', () => {
    const { chat } = convert({ input: 'x', tools: [{ type: 'web_search_preview' }], tool_choice: { type: 'web_search_preview' }, text: { format: { type: 'json_object' } }, reasoning: { effort: 'low' } });
    expect(chat.passthrough['tool_choice']).toBeUndefined();
    expect(chat.dialectFields).toEqual({ tool_choice: { type: 'web_search_preview' } });
    expect(chat.responseFormat).toEqual({ type: 'json_object' });
  });

  it('refuses precisely: unknown item and part types, a bad role, a call without its name, an orphan output, a schema without a name', () => {
    expect(refusal({ input: [{ type: 'telepathy' }] })).toMatchObject({ param: 'input[0].type', message: expect.stringContaining('unknown input item type "telepathy"') });
    expect(refusal({ input: [{ foo: 1 }] })).toMatchObject({ param: 'input[0].type', message: expect.stringContaining('Field required') });
    expect(refusal({ input: [{ role: 'wizard', content: 'x' }] })).toMatchObject({ param: 'input[0].role' });
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'input_text' }] }] })).toMatchObject({ param: 'input[0].content[0].text' });
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'input_video' }] }] })).toMatchObject({ param: 'input[0].content[0].type' });
    expect(refusal({ input: [{ type: 'function_call', call_id: 'c', arguments: '{}' }] })).toMatchObject({ param: 'input[0].name' });
    expect(refusal({ input: [{ role: 'user', content: 'x' }, { type: 'function_call_output', call_id: 'c', output: 'y' }] })).toMatchObject({
      param: 'input[1].call_id',
      message: expect.stringContaining('no earlier function_call item'),
    });
    expect(refusal({ input: [{ type: 'item_reference', id: 'msg_x' }] })).toMatchObject({ param: 'input[0].id' });
    expect(refusal({ input: 'x', text: { format: { type: 'json_schema', schema: {} } } })).toMatchObject({ param: 'text.format.name' });
    expect(refusal({ input: 'x', tools: [{ type: 'function', parameters: {} }] })).toMatchObject({ param: 'tools[0].name' });
    expect(refusal({ input: 'x', tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'function' } })).toMatchObject({ param: 'tool_choice.name' });
  });

  it('passes no tool setting without tools, which Chat Completions would refuse', () => {
    const { chat } = convert({ input: 'x', tools: [], tool_choice: 'auto', parallel_tool_calls: true, temperature: 1 });
    expect(chat.passthrough).toEqual({ temperature: 1 });
    expect(chat.tools).toBeUndefined();
  });

  it('refuses an input with no items', () => {
    expect(refusal({ input: [], instructions: 'Be brief.' })).toMatchObject({ param: 'input', message: expect.stringContaining('at least one input item') });
  });

  it('refuses bad top-level fields with their param', () => {
    expect(() => parseResponsesBody({ model: 'm' })).toThrow(expect.objectContaining({ param: 'input' }));
    expect(() => parseResponsesBody({ input: 'x' })).toThrow(expect.objectContaining({ param: 'model' }));
    expect(() => parseResponsesBody({ model: 'm', input: 'x', metadata: { a: 1 } })).toThrow(expect.objectContaining({ param: 'metadata.a' }));
    expect(() => parseResponsesBody({ model: 'm', input: [{}, {}, {}] }, 2)).toThrow(expect.objectContaining({ param: 'input', message: expect.stringContaining('at most 2') }));
    expect(() => parseResponsesBody([])).toThrow(InvalidRequestError);
  });
});

describe('fromResponsesBody', () => {
  it('reads a Responses body for library use', () => {
    expect(fromResponsesBody({ model: 'm', input: 'Hi' })).toMatchObject({ model: 'm', dialect: 'responses', messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('refuses previous_response_id: the library keeps no stored responses', () => {
    expect(() => fromResponsesBody({ model: 'm', input: 'Hi', previous_response_id: 'resp_1' })).toThrow(
      expect.objectContaining({ param: 'previous_response_id', message: expect.stringContaining('keeps no stored responses') }),
    );
  });
});
