import { NotFoundError } from '../../errors/request-errors.js';
import type { ResponseStore, StoredResponse } from '../../telemetry/response-store.js';
import { quoteInput } from '../../util/quote-input.js';
import type { ResponsesItem } from './responses-request-schema.js';

/**
 * The conversation `previous_response_id` names, as items: its stored input (its own history
 * already expanded), then its output, which is what OpenAI does (its `instructions` are not carried
 * over). Unknown, expired, deleted or another caller's: a 404 `previous_response_not_found`, as
 * OpenAI answers.
 */
export async function loadPreviousResponse(store: ResponseStore, id: string, owner: string | undefined): Promise<ResponsesItem[]> {
  const stored = await store.getResponse(id, owner);
  if (stored === undefined) {
    throw new NotFoundError(
      `Previous response with id ${quoteInput(id)} not found: it was never stored here (store: false, or another gateway), has expired (storage.retention), was deleted, or belongs to another API key.`,
      { code: 'previous_response_not_found', param: 'previous_response_id' },
    );
  }
  return [...(stored.input as ResponsesItem[]), ...storedOutput(stored)];
}

/** A stored response's output items, as it was sent. */
export function storedOutput(stored: StoredResponse): ResponsesItem[] {
  return Array.isArray(stored.response['output']) ? (stored.response['output'] as ResponsesItem[]) : [];
}
