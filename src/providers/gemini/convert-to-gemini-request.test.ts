import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../errors/request-errors.js';
import type { ChatMessage } from '../../spec/chat-request.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import { thoughtSignatureExtra } from '../../spec/thought-signature.js';
import { PLACEHOLDER_SIGNATURE } from './convert-gemini-contents.js';
import { convertToGeminiRequest } from './convert-to-gemini-request.js';

const FLASH = 'gemini-2.5-flash';
const PRO3 = 'gemini-3.1-pro-preview';

const call = (id: string, name: string, args: string, signature?: string): NonNullable<ChatMessage['tool_calls']>[number] => ({
  id,
  type: 'function',
  function: { name, arguments: args },
  ...(signature === undefined ? {} : thoughtSignatureExtra(signature)),
});

describe('convertToGeminiRequest', () => {
  it('maps tool_choice: auto, none, required, and a named function', () => {
    const configOf = (choice: unknown) => convertToGeminiRequest(createChatRequest('m', 'hi', { passthrough: { tool_choice: choice } }), FLASH).body['toolConfig'];
    expect(configOf('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(configOf('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(configOf('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(configOf({ type: 'function', function: { name: 'f' } })).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
  });

  it('maps reasoning_effort to a thinking level on Gemini 3 and a budget on older models, thoughts included', () => {
    const thinking = (effort: string, model: string) => {
      const converted = convertToGeminiRequest(createChatRequest('m', 'hi', { passthrough: { reasoning_effort: effort } }), model);
      return { config: (converted.body['generationConfig'] as Record<string, unknown> | undefined)?.['thinkingConfig'], warnings: converted.warnings };
    };
    expect(thinking('high', PRO3).config).toEqual({ thinkingLevel: 'high', includeThoughts: true });
    expect(thinking('low', PRO3).config).toEqual({ thinkingLevel: 'low', includeThoughts: true });
    expect(thinking('none', PRO3)).toEqual({ config: { thinkingLevel: 'low', includeThoughts: true }, warnings: ['reasoning_effort "none" became thinkingLevel "low": Gemini 3 models always think'] });
    expect(thinking('medium', FLASH).config).toEqual({ thinkingBudget: 8192, includeThoughts: true });
    expect(thinking('none', FLASH).config).toEqual({ thinkingBudget: 0 });
    expect(thinking('extreme', FLASH)).toEqual({ config: undefined, warnings: ['reasoning_effort "extreme" was dropped: Gemini has no such thinking budget'] });
  });

  it('maps generation settings, n and json_object', () => {
    const request = createChatRequest('m', 'hi', {
      maxOutputTokens: 50,
      responseFormat: { type: 'json_object' },
      passthrough: { top_p: 0.9, seed: 7, presence_penalty: 0.5, frequency_penalty: 0.25, n: 2, stop: 'X', response_format: { type: 'json_object' } },
    });
    expect(convertToGeminiRequest(request, FLASH)).toEqual({
      body: {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        generationConfig: { maxOutputTokens: 50, topP: 0.9, seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.25, stopSequences: ['X'], candidateCount: 2, responseMimeType: 'application/json' },
      },
      warnings: [],
    });
  });

  it('drops, with one warning per kind, what Gemini cannot carry', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: [{ type: 'text', text: 'Rules.', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: [{ type: 'text', text: 'Look', cache_control: { type: 'ephemeral' } }, { type: 'image_url', image_url: { url: 'https://example.com/picture' } }, { type: 'document', source: {} }] },
      { role: 'assistant', content: 'Seen.', thinking_blocks: [{ type: 'thinking', thinking: 'hm', signature: 'anthropic-sig' }] },
      { role: 'user', content: 'More' },
    ];
    const request = createChatRequest('m', messages, {
      dialect: 'anthropic',
      dialectFields: { context_management: {} },
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      passthrough: { tools: [], logit_bias: { 1: 2 } },
    });
    const converted = convertToGeminiRequest(request, FLASH);
    expect(converted.body).toEqual({
      systemInstruction: { parts: [{ text: 'Rules.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Look' }] },
        { role: 'model', parts: [{ text: 'Seen.' }] },
        { role: 'user', parts: [{ text: 'More' }] },
      ],
    });
    expect(converted.warnings).toEqual([
      'cache_control breakpoints were dropped: Gemini caches repeated prompt prefixes by itself',
      'an image URL whose file extension does not tell its type was dropped: Gemini needs the media type of a URL',
      'a `document` content part was dropped: the Gemini API cannot carry it',
      'thinking blocks of earlier turns were dropped: their signatures are only valid at the vendor that made them',
      'a `web_search_20250305` tool was dropped: the Gemini API takes function tools',
      'logit_bias was dropped: the Gemini API has no such field',
      'fields of the anthropic dialect were dropped: context_management',
    ]);
  });

  it('names a function response after the nearest earlier call with its id, and sends a failed tool as an error', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [call('call_1', 'first', '{}')] },
      { role: 'tool', tool_call_id: 'call_1', content: '[1,2]' },
      { role: 'assistant', content: null, tool_calls: [call('call_1', 'second', '{"a":1}')] },
      { role: 'tool', tool_call_id: 'call_1', content: 'boom', is_error: true },
    ];
    expect(convertToGeminiRequest(createChatRequest('m', messages), FLASH).body['contents']).toEqual([
      { role: 'user', parts: [{ text: 'go' }] },
      { role: 'model', parts: [{ functionCall: { name: 'first', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'first', response: { result: '[1,2]' } } }] },
      { role: 'model', parts: [{ functionCall: { name: 'second', args: { a: 1 } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'second', response: { error: 'boom' } } }] },
    ]);
  });

  it('refuses a tool result that answers no call, and arguments that are not a JSON object', () => {
    const orphan = createChatRequest('m', [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'r' }]);
    expect(() => convertToGeminiRequest(orphan, FLASH)).toThrow(InvalidRequestError);
    expect(() => convertToGeminiRequest(orphan, FLASH)).toThrow(/messages\[1\] is a tool result whose tool_call_id matches no earlier tool call/);
    const broken = createChatRequest('m', [{ role: 'user', content: 'x' }, { role: 'assistant', tool_calls: [call('c', 'f', '[1]')] }]);
    expect(() => convertToGeminiRequest(broken, FLASH)).toThrow(/messages\[1\]\.tool_calls\[0\]\.function\.arguments is not a JSON object/);
  });

  it('sends thought signatures back where they came from, and Google\'s placeholder for a Gemini 3 call that lost its own', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'Thinking done.', ...thoughtSignatureExtra('text-sig') },
      { role: 'user', content: 'now call' },
      { role: 'assistant', content: null, tool_calls: [call('a', 'f', '{}', 'call-sig'), call('b', 'f', '{}')] },
      { role: 'tool', tool_call_id: 'a', content: '1' },
      { role: 'tool', tool_call_id: 'b', content: '2' },
      { role: 'assistant', content: null, tool_calls: [call('c', 'g', '{}'), call('d', 'g', '{}')] },
      { role: 'tool', tool_call_id: 'c', content: '3' },
    ];
    const forModel = (model: string) => convertToGeminiRequest(createChatRequest('m', messages), model);
    const pro = forModel(PRO3);
    const contents = pro.body['contents'] as Array<{ role: string; parts: Array<Record<string, unknown>> }>;
    expect(contents[1]).toEqual({ role: 'model', parts: [{ text: 'Thinking done.', thoughtSignature: 'text-sig' }] });
    expect(contents[3]?.parts).toEqual([
      { functionCall: { name: 'f', args: {} }, thoughtSignature: 'call-sig' },
      { functionCall: { name: 'f', args: {} } },
    ]);
    expect(contents[5]?.parts).toEqual([
      { functionCall: { name: 'g', args: {} }, thoughtSignature: PLACEHOLDER_SIGNATURE },
      { functionCall: { name: 'g', args: {} } },
    ]);
    expect(pro.warnings).toEqual([expect.stringMatching(/^1 function call\(s\) of earlier turns had no thought signature/)]);
    // Older models check nothing: no placeholder, no warning.
    const flash = forModel(FLASH);
    expect(JSON.stringify(flash.body)).not.toContain(PLACEHOLDER_SIGNATURE);
    expect(flash.warnings).toEqual([]);
  });

  it('sends audio inline and a file id nowhere', () => {
    const request = createChatRequest('m', [
      { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }, { type: 'file', file: { file_id: 'file-1' } }] },
    ]);
    const converted = convertToGeminiRequest(request, FLASH);
    expect(converted.body['contents']).toEqual([{ role: 'user', parts: [{ inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } }] }]);
    expect(converted.warnings).toEqual(['a `file` part with a file_id was dropped: OpenAI file ids mean nothing to the Gemini API']);
  });
});
