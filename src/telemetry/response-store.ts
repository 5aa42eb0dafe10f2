/**
 * Responses API conversation state (`previous_response_id`, `GET`/`DELETE /v1/responses/{id}`),
 * kept in the trace store beside the trace of the request that made it, under the same retention.
 * The items are kept in the Responses wire shape: only the Responses edge reads them.
 */
export type StoredResponse = {
  /** `resp_...`, as the client got it. */
  id: string;
  /** The trace of the request that produced it. */
  traceId: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Who may read it back: a digest of the caller's gateway key, undefined when the gateway has no keys. */
  owner: string | undefined;
  /** The whole conversation's input items up to this response (a `previous_response_id` chain already expanded), in order. */
  input: readonly unknown[];
  /** The response object as the client received it (its `output` items included). */
  response: Readonly<Record<string, unknown>>;
};

export interface ResponseStore {
  /** Queued like a trace; a `get` right after sees it. */
  putResponse(response: StoredResponse): void;
  /** Undefined when unknown, expired, deleted, or stored for another owner. */
  getResponse(id: string, owner: string | undefined): Promise<StoredResponse | undefined>;
  /** False when there was none to delete (for this owner). */
  deleteResponse(id: string, owner: string | undefined): Promise<boolean>;
}
