import type { ChatMessage, ChatRequest, ContentPart, ToolDefinition } from '../../spec/chat-request.js';

/** The upstream body, and what of the request it could not carry (recorded on the Attempt). */
export type OpenAIRequestBody = { body: Record<string, unknown>; warnings: string[] | undefined };

/**
 * The upstream body: the client's fields verbatim, with the wire model id, the (possibly
 * rewritten) messages, and for streams `include_usage` switched on so cost can be counted. A
 * request that came in another dialect loses, with a warning each, what Chat Completions cannot say.
 */
export function convertToOpenAIRequest(request: ChatRequest, wireModel: string, stream: boolean): OpenAIRequestBody {
  const converted = request.dialect === undefined || request.dialect === 'openai' ? undefined : fromOtherDialect(request);
  const body: Record<string, unknown> = { model: wireModel, messages: request.messages, ...request.passthrough };
  body['model'] = wireModel;
  body['messages'] = converted?.messages ?? request.messages;
  if (converted?.tools) body['tools'] = converted.tools;
  if (stream) {
    body['stream'] = true;
    const clientOptions = request.passthrough['stream_options'];
    body['stream_options'] = { ...(typeof clientOptions === 'object' && clientOptions !== null ? clientOptions : {}), include_usage: true };
  } else {
    // OpenAI rejects stream_options on a non-streaming request.
    delete body['stream'];
    delete body['stream_options'];
  }
  return { body, warnings: converted && converted.warnings.length > 0 ? converted.warnings : undefined };
}

/**
 * Strips what the canonical request carries for other wire formats (Anthropic's cache breakpoints,
 * signed thinking blocks, `is_error` on tool results, its dialect fields and headers): an OpenAI
 * client's own request is never rewritten, since OpenAI-compatible vendors may accept extras.
 */
function fromOtherDialect(request: ChatRequest): { messages: ChatMessage[]; tools: ToolDefinition[] | undefined; warnings: string[] } {
  let breakpoints = 0;
  let thinking = 0;
  let errors = 0;
  const uncached = <Item extends ContentPart | ToolDefinition>(item: Item): Item => {
    if (item.cache_control === undefined) return item;
    breakpoints++;
    const { cache_control: _dropped, ...rest } = item;
    return rest as Item;
  };
  const messages = request.messages.map((message): ChatMessage => {
    const { thinking_blocks: blocks, is_error: isError, cache_control: messageBreakpoint, ...rest } = message;
    thinking += blocks?.length ?? 0;
    if (isError === true) errors++;
    if (messageBreakpoint !== undefined) breakpoints++;
    return Array.isArray(rest.content) ? { ...rest, content: rest.content.map(uncached) } : rest;
  });
  const tools = request.tools?.map(uncached);
  const warnings: string[] = [];
  if (breakpoints > 0) warnings.push(`dropped ${breakpoints} cache_control breakpoint(s): OpenAI-compatible upstreams cache prompt prefixes by themselves`);
  if (thinking > 0) warnings.push(`dropped ${thinking} thinking block(s) of earlier turns: their signatures are only valid at the vendor that made them`);
  if (errors > 0) warnings.push(`dropped is_error from ${errors} tool result(s): Chat Completions has no such flag`);
  const fields = Object.keys(request.dialectFields ?? {});
  if (fields.length > 0) warnings.push(`dropped ${request.dialect} fields with no Chat Completions equivalent: ${fields.join(', ')}`);
  const headers = Object.keys(request.dialectHeaders ?? {});
  if (headers.length > 0) warnings.push(`dropped ${request.dialect} headers: ${headers.join(', ')}`);
  return { messages, tools: breakpoints > 0 ? tools : undefined, warnings };
}
