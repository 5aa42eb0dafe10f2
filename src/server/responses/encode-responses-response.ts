import type { ChatMessage, ToolCall } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import type { FinishReason } from '../../spec/finish-reason.js';
import type { Usage } from '../../spec/usage.js';

export type ResponseItem = Record<string, unknown>;

/** The `resp_` id of an answer: the trace id's hex, so a client's report (and `GET /v1/responses/{id}`) finds the trace. */
export function responseId(traceId: string): string {
  return `resp_${traceId.replaceAll('-', '')}`;
}

/** An output item's id: its kind's prefix, the trace id's hex and its position, unique across a conversation. */
export function itemId(prefix: 'msg' | 'fc' | 'rs', traceId: string, outputIndex: number): string {
  return `${prefix}_${traceId.replaceAll('-', '')}_${outputIndex}`;
}

const ITEM_ID = /^(?:msg|fc|rs)_([0-9a-f]{32})_\d+$/;

/** The id of the response an output item of this gateway belongs to (`itemId` read back); undefined for any other id. */
export function responseIdOfItem(id: string): string | undefined {
  const hex = ITEM_ID.exec(id)?.[1];
  return hex === undefined ? undefined : `resp_${hex}`;
}

/** Why an answer is `incomplete` (OpenAI's `incomplete_details.reason`); undefined when it is complete. */
export function incompleteReason(finish: FinishReason | undefined): 'max_output_tokens' | 'content_filter' | undefined {
  if (finish?.unified === 'length') return 'max_output_tokens';
  if (finish?.unified === 'content_filter') return 'content_filter';
  return undefined;
}

/**
 * Usage in the Responses API's terms. Its wire has no "unknown": 0 stands for it there (as at the
 * Anthropic edge), only when the gateway could not even estimate.
 */
export function encodeResponsesUsage(usage: Usage): Record<string, unknown> {
  const input = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  const inputDetails: Record<string, number> = { cached_tokens: usage.cachedInputTokens ?? 0 };
  if (usage.cacheWriteTokens !== undefined) inputDetails['cache_write_tokens'] = usage.cacheWriteTokens;
  return {
    input_tokens: input,
    input_tokens_details: inputDetails,
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}

export function outputText(text: string): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function reasoningItem(id: string, summary: string): ResponseItem {
  return { id, type: 'reasoning', summary: summary === '' ? [] : [{ type: 'summary_text', text: summary }] };
}

export function messageItem(id: string, content: Record<string, unknown>[], status: string): ResponseItem {
  return { id, type: 'message', status, role: 'assistant', content };
}

export function functionCallItem(id: string, call: { id: string; name: string; arguments: string }, status: string): ResponseItem {
  return { id, type: 'function_call', status, arguments: call.arguments, call_id: call.id, name: call.name };
}

/** Chat Completions' `url_citation` annotations (search models) in the Responses API's flat form. */
function annotationsOf(message: ChatMessage): unknown[] {
  const annotations = message['annotations'];
  if (!Array.isArray(annotations)) return [];
  return annotations.map((annotation: unknown) => {
    const citation = (annotation as { type?: unknown; url_citation?: unknown }).url_citation;
    return (annotation as { type?: unknown }).type === 'url_citation' && typeof citation === 'object' && citation !== null ? { type: 'url_citation', ...citation } : annotation;
  });
}

/** The message's text and refusal as `output_text` and `refusal` parts. */
function messageParts(message: ChatMessage): Record<string, unknown>[] {
  const parts: Record<string, unknown>[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ ...outputText(content), annotations: annotationsOf(message) });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (part.type === 'text' && typeof part.text === 'string') parts.push(outputText(part.text));
      else if (part.type === 'refusal' && typeof part['refusal'] === 'string') parts.push({ type: 'refusal', refusal: part['refusal'] });
    }
  }
  const refusal = message['refusal'];
  if (typeof refusal === 'string' && refusal !== '') parts.push({ type: 'refusal', refusal });
  return parts;
}

/**
 * The output items of an assistant message, in the API's order: reasoning, the message, the
 * function calls. Reasoning is the items a Responses upstream returned (`responses_items`, with
 * their encrypted content, verbatim), or else the message's reasoning text as a summary.
 */
export function outputItems(message: ChatMessage, traceId: string, status: string): ResponseItem[] {
  const items: ResponseItem[] = [];
  const kept = message.responses_items;
  const reasoning = message['reasoning_content'];
  if (kept && kept.length > 0) items.push(...kept);
  else if (typeof reasoning === 'string' && reasoning !== '') items.push(reasoningItem(itemId('rs', traceId, items.length), reasoning));
  const parts = messageParts(message);
  if (parts.length > 0) items.push(messageItem(itemId('msg', traceId, items.length), parts, status));
  for (const call of message.tool_calls ?? ([] as ToolCall[])) {
    items.push(functionCallItem(itemId('fc', traceId, items.length), { id: call.id, name: call.function.name, arguments: call.function.arguments }, 'completed'));
  }
  return items;
}

export type ResponseFrame = {
  traceId: string;
  /** Epoch seconds. */
  createdAt: number;
  /** The catalog model that served. */
  model: string;
  /** The request's echoed fields (`response-echo.ts`). */
  echo: Record<string, unknown>;
};

/** A Response object in a given state: the one shape of the JSON answer, the stream's lifecycle events and what is stored. */
export function responseObject(
  frame: ResponseFrame,
  state: { status: 'in_progress' | 'completed' | 'incomplete' | 'failed'; output: ResponseItem[]; usage?: Usage | undefined; incomplete?: string | undefined; error?: { code: string; message: string } },
): Record<string, unknown> {
  const { status, output, usage, incomplete, error } = state;
  const response: Record<string, unknown> = {
    id: responseId(frame.traceId),
    object: 'response',
    created_at: frame.createdAt,
    status,
    background: false,
    completed_at: status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: error ?? null,
    incomplete_details: incomplete === undefined ? null : { reason: incomplete },
    model: frame.model,
    output,
    ...frame.echo,
  };
  if (usage !== undefined) response['usage'] = encodeResponsesUsage(usage);
  return response;
}

/** The JSON answer from a result (its first choice: the dialect has one). */
export function encodeResponse(result: ChatResult, frame: ResponseFrame): Record<string, unknown> {
  const choice = result.choices[0];
  const incomplete = incompleteReason(choice?.finishReason);
  const output = choice ? outputItems(choice.message, frame.traceId, incomplete === undefined ? 'completed' : 'incomplete') : [];
  return responseObject(frame, { status: incomplete === undefined ? 'completed' : 'incomplete', output, usage: result.usage, incomplete });
}

/** The answer to a blocked request: a completed response whose message is the route's message, no tokens. */
export function encodeBlockedResponse(message: string, frame: ResponseFrame): Record<string, unknown> {
  const output = [messageItem(itemId('msg', frame.traceId, 0), [outputText(message)], 'completed')];
  const usage: Usage = { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: undefined, outputTokens: 0, reasoningTokens: 0, estimated: false };
  return responseObject(frame, { status: 'completed', output, usage });
}
