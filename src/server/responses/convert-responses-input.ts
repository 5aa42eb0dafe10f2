import type { ChatMessage, ChatRole, ContentPart } from '../../spec/chat-request.js';
import { quoteInput } from '../../util/quote-input.js';
import { messageContent } from './convert-responses-content.js';
import { invalidAt } from './parse-responses-body.js';
import type { ResponsesItem } from './responses-request-schema.js';

type Path = readonly (string | number)[];

/**
 * Item types of OpenAI's `ResponseInputItem` that have no Chat Completions form: built-in tool
 * calls and their outputs, compaction, ... They are kept verbatim, in order, on the assistant turn
 * (`responses_items`), where a Responses target takes them back and another drops them.
 */
const KEPT_ITEM_TYPES: ReadonlySet<string> = new Set([
  'reasoning',
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'web_search_call',
  'tool_search_call',
  'tool_search_output',
  'additional_tools',
  'compaction',
  'compaction_trigger',
  'image_generation_call',
  'code_interpreter_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'custom_tool_call',
  'custom_tool_call_output',
  'program',
  'program_output',
]);

const CONVERTED_ITEM_TYPES = ['message', 'function_call', 'function_call_output', 'item_reference'];

const ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system', 'developer']);

export type ConvertedInput = {
  /** The conversation as canonical messages. */
  messages: ChatMessage[];
  /** The conversation's items, history first, item references replaced by the items they name: what a stored response keeps as its input. */
  items: ResponsesItem[];
};

function asItem(value: unknown, path: Path): ResponsesItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidAt(path, 'expected an input item object');
  return value as ResponsesItem;
}

/** The item's type: its `type`, or `message` for one with a role (`EasyInputMessage`), or `item_reference` for a bare `{ id }`. */
function typeOf(item: ResponsesItem): string | undefined {
  const type = item['type'];
  if (typeof type === 'string') return type;
  if (item['role'] !== undefined) return 'message';
  return typeof item['id'] === 'string' ? 'item_reference' : undefined;
}

function stringAt(item: ResponsesItem, key: string, path: Path): string {
  const value = item[key];
  if (typeof value !== 'string') throw invalidAt([...path, key], value === undefined ? 'Field required' : 'expected a string');
  return value;
}

/** The ids an input's `item_reference`s name (typed, or a bare `{ id }`). */
export function referencedIds(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  const ids: string[] = [];
  for (const value of input) {
    if (typeof value !== 'object' || value === null) continue;
    const item = value as ResponsesItem;
    if (typeOf(item) === 'item_reference' && typeof item['id'] === 'string') ids.push(item['id']);
  }
  return ids;
}

/**
 * `item_reference`s replaced by the items they name: an item of the stored conversation
 * (`previous_response_id`: its input and output items), an earlier item of this input, or an
 * output item of another stored response (`stored`: clients such as the AI SDK refer to the items
 * of the previous turn by id, without `previous_response_id`). Only the client's own items can hold
 * references: stored ones were resolved when they were stored.
 */
function resolveReferences(history: readonly ResponsesItem[], input: readonly unknown[], stored: ReadonlyMap<string, ResponsesItem>): ResponsesItem[] {
  const byId = new Map<string, ResponsesItem>(stored);
  for (const item of history) if (typeof item['id'] === 'string') byId.set(item['id'], item);
  return input.map((value, index) => {
    const item = asItem(value, ['input', index]);
    if (typeOf(item) !== 'item_reference') {
      if (typeof item['id'] === 'string') byId.set(item['id'], item);
      return item;
    }
    const id = stringAt(item, 'id', ['input', index]);
    const found = byId.get(id);
    if (found === undefined) {
      throw invalidAt(
        ['input', index, 'id'],
        `item_reference to ${quoteInput(id)}, which is no item this gateway has stored for this caller (or it has expired, or was stored with store: false), nor an earlier item of this input`,
      );
    }
    return found;
  });
}

/**
 * The conversation's items (the stored ones of `previous_response_id`, then the client's `input`)
 * as canonical messages: messages as messages, consecutive `function_call`s as one assistant turn's
 * `tool_calls` (the `call_id` is the call's id), each `function_call_output` as a `tool` message,
 * reasoning and built-in tool items verbatim on their assistant turn. Throws InvalidRequestError
 * with the item's path for an unknown item type, a malformed item or a tool output with no call.
 */
export function convertResponsesInput(
  history: readonly ResponsesItem[],
  input: string | readonly unknown[],
  stored: ReadonlyMap<string, ResponsesItem> = new Map(),
): ConvertedInput {
  const own: ResponsesItem[] =
    typeof input === 'string' ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }] : resolveReferences(history, input, stored);
  const items = [...history, ...own];
  const messages: ChatMessage[] = [];
  const calls = new Set<string>();
  // The assistant turn being built: reasoning, then its message, then its calls, until another role speaks.
  let open: ChatMessage | undefined;
  const close = (): void => {
    if (open) messages.push(open);
    open = undefined;
  };
  const assistant = (): ChatMessage => (open ??= { role: 'assistant', content: null });
  items.forEach((item, index) => {
    // Stored items were checked when they were sent; an error still points at the client's field.
    const path: Path = index < history.length ? ['previous_response_id'] : ['input', index - history.length];
    const type = typeOf(item);
    switch (type) {
      case 'message': {
        const role = item['role'];
        if (typeof role !== 'string' || !ROLES.has(role)) {
          throw invalidAt([...path, 'role'], role === undefined ? 'Field required' : `expected one of user, assistant, system, developer`);
        }
        const content = messageContent(item['content'], [...path, 'content']);
        if (role !== 'assistant') {
          close();
          messages.push({ role: role as ChatRole, content });
          return;
        }
        if (open && (open.content !== null || open.tool_calls)) close();
        assistant().content = content;
        return;
      }
      case 'function_call': {
        const id = stringAt(item, 'call_id', path);
        const call = { id, type: 'function', function: { name: stringAt(item, 'name', path), arguments: stringAt(item, 'arguments', path) } };
        calls.add(id);
        const turn = assistant();
        turn.tool_calls = [...(turn.tool_calls ?? []), call];
        return;
      }
      case 'function_call_output': {
        const id = stringAt(item, 'call_id', path);
        if (!calls.has(id)) {
          throw invalidAt(
            [...path, 'call_id'],
            `function_call_output for call ${quoteInput(id)}, which no earlier function_call item has: each output must answer a function_call of this input or of the previous response`,
          );
        }
        close();
        const output = item['output'];
        const content: string | ContentPart[] = typeof output === 'string' ? output : messageContent(output, [...path, 'output']);
        messages.push({ role: 'tool', tool_call_id: id, content });
        return;
      }
      default: {
        if (type === undefined || !KEPT_ITEM_TYPES.has(type)) {
          const expected = [...CONVERTED_ITEM_TYPES, ...KEPT_ITEM_TYPES].join(', ');
          throw invalidAt([...path, 'type'], type === undefined ? `Field required: the item's type, one of ${expected}` : `unknown input item type ${quoteInput(type)}; expected one of ${expected}`);
        }
        // A reasoning item without encrypted content is one no target can verify (its id is the
        // gateway's, or of a response stored elsewhere): sent back to OpenAI it is refused.
        if (type === 'reasoning' && typeof item['encrypted_content'] !== 'string') return;
        // Reasoning comes before the output it led to: it starts a new turn if this one has said something.
        if (type === 'reasoning' && open && (open.content !== null || open.tool_calls)) close();
        const turn = assistant();
        turn.responses_items = [...(turn.responses_items ?? []), item];
      }
    }
  });
  close();
  return { messages, items };
}
