import type { ResponseStore } from '../../telemetry/response-store.js';
import { responseIdOfItem } from './encode-responses-response.js';
import { storedOutput } from './load-previous-response.js';
import type { ResponsesItem } from './responses-request-schema.js';

/** Most stored responses one request's item references may load: each is a read of the store. */
const MAX_REFERENCED_RESPONSES = 16;

/**
 * The stored output items that `ids` (the input's item references) name, by id: an item id of this
 * gateway names its response (`responseIdOfItem`), which is loaded for this caller. An id of
 * another form, or of a response that is gone, is left out: the conversion refuses it precisely.
 */
export async function loadReferencedItems(store: ResponseStore, ids: readonly string[], owner: string | undefined): Promise<Map<string, ResponsesItem>> {
  const items = new Map<string, ResponsesItem>();
  const responses = new Set<string>();
  for (const id of ids) {
    const response = responseIdOfItem(id);
    if (response !== undefined && responses.size < MAX_REFERENCED_RESPONSES) responses.add(response);
  }
  for (const id of responses) {
    const stored = await store.getResponse(id, owner);
    for (const item of stored ? storedOutput(stored) : []) if (typeof item['id'] === 'string') items.set(item['id'], item);
  }
  return items;
}
