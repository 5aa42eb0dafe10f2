import { hash } from 'node:crypto';
import { extractRoutingText } from '../features/extract-routing-text.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { PromptRecord } from '../spec/trace.js';
import { copyPrefix } from '../util/copy-prefix.js';

const PREVIEW_CHARS = 160;
/** Only the start of a huge message is hashed: bounded work per request. */
const HASHED_CHARS = 65_536;

/** What a trace keeps of the client's prompt (see `storage.store_prompts`). */
export function promptRecord(request: ChatRequest, storePrompts: boolean): PromptRecord {
  const text = extractRoutingText(request.messages, 'last_user');
  const preview = text.length > PREVIEW_CHARS ? `${copyPrefix(text, PREVIEW_CHARS)}…` : text;
  const record: PromptRecord = { preview, sha256: hash('sha256', text.slice(0, HASHED_CHARS), 'hex') };
  if (storePrompts) record.messages = request.messages;
  return record;
}
