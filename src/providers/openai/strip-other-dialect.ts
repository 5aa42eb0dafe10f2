import type { ChatMessage, ChatRequest, ContentPart, ToolCall, ToolDefinition } from '../../spec/chat-request.js';

/** The part kinds Chat Completions takes. */
const CHAT_PART_TYPES = new Set(['text', 'image_url', 'input_audio', 'file', 'refusal']);

/** The keys of a Chat Completions function tool. */
const TOOL_KEYS = new Set(['type', 'function']);

/**
 * What Chat Completions cannot say of a request that came in another dialect, stripped, with one
 * warning per kind of loss: Anthropic's cache breakpoints, signed thinking blocks, the Responses
 * API's reasoning and built-in tool items, `is_error` on tool results, content blocks with no Chat Completions part (documents by URL, search results),
 * server tools and tool extras, and its dialect fields and headers. An OpenAI client's own request
 * never comes here: OpenAI-compatible vendors may accept extras it sends on purpose.
 */
export function stripOtherDialect(request: ChatRequest): { messages: ChatMessage[]; tools: ToolDefinition[] | undefined; warnings: string[] } {
  let breakpoints = 0;
  let thinking = 0;
  let errors = 0;
  let responsesItems = 0;
  const partTypes = new Set<string>();
  const toolTypes = new Set<string>();
  const toolKeys = new Set<string>();
  const uncached = <Item extends object>(item: Item): Item => {
    if (!('cache_control' in item) || item.cache_control === undefined) return item;
    breakpoints++;
    const { cache_control: _dropped, ...rest } = item;
    return rest as Item;
  };
  const keptPart = (part: ContentPart): boolean => {
    if (CHAT_PART_TYPES.has(part.type)) return true;
    partTypes.add(part.type);
    return false;
  };
  const messages = request.messages.map((message): ChatMessage => {
    const { thinking_blocks: blocks, is_error: isError, responses_items: items, ...rest } = uncached(message);
    thinking += blocks?.length ?? 0;
    responsesItems += items?.length ?? 0;
    if (isError === true) errors++;
    const content = Array.isArray(rest.content) ? rest.content.filter(keptPart).map(uncached) : rest.content;
    const calls = rest.tool_calls?.map((call): ToolCall => uncached(call));
    return { ...rest, ...(content === undefined ? {} : { content }), ...(calls ? { tool_calls: calls } : {}) };
  });
  const tools = request.tools?.flatMap((tool): ToolDefinition[] => {
    if (tool.type !== 'function') {
      toolTypes.add(tool.type);
      return [];
    }
    const kept: ToolDefinition = { type: tool.type };
    for (const key in tool) {
      if (TOOL_KEYS.has(key)) kept[key] = tool[key];
      else if (key === 'cache_control') breakpoints++;
      else toolKeys.add(key);
    }
    return [kept];
  });
  const warnings: string[] = [];
  const dropped = (what: string): number => warnings.push(`dropped ${what}`);
  if (breakpoints > 0) dropped(`${breakpoints} cache_control breakpoint(s): OpenAI-compatible upstreams cache prompt prefixes by themselves`);
  if (thinking > 0) dropped(`${thinking} thinking block(s) of earlier turns: their signatures are only valid at the vendor that made them`);
  if (responsesItems > 0) dropped(`${responsesItems} Responses API item(s) of earlier turns (reasoning, built-in tool calls): Chat Completions has no such items`);
  if (errors > 0) dropped(`is_error from ${errors} tool result(s): Chat Completions has no such flag`);
  if (partTypes.size > 0) dropped(`content of kinds Chat Completions does not take: ${[...partTypes].join(', ')}`);
  if (toolTypes.size > 0) dropped(`tools the upstream cannot run (${[...toolTypes].join(', ')}): only function tools pass`);
  if (toolKeys.size > 0) dropped(`tool fields Chat Completions does not take: ${[...toolKeys].join(', ')}`);
  const fields = Object.keys(request.dialectFields ?? {});
  if (fields.length > 0) dropped(`${request.dialect} fields with no Chat Completions equivalent: ${fields.join(', ')}`);
  const headers = Object.keys(request.dialectHeaders ?? {});
  if (headers.length > 0) dropped(`${request.dialect} headers: ${headers.join(', ')}`);
  return { messages, tools, warnings };
}
