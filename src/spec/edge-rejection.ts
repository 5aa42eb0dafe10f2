import type { Dialect } from './dialect.js';

/**
 * Why a request was refused at the edge, before it reached routing (so without a trace). A closed
 * set: it is a metric label, and what the client sent never is.
 */
export type EdgeRejectionReason =
  // The path, the method, the API key, the Host, the browser's origin.
  | 'not_found'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'bad_host'
  | 'bad_origin'
  | 'form_content_type'
  // A virtual key's allow lists, the admin API, and the key's rate limits.
  | 'model_not_allowed'
  | 'admin_only'
  | 'rate_limited'
  | 'state_unavailable'
  // The body.
  | 'body_too_large'
  | 'invalid_json'
  | 'json_too_deep'
  | 'array_above_max_length'
  | 'invalid_request'
  // What it names: no such model, trace or route, before any trace exists.
  | 'model_not_found'
  | 'trace_not_found'
  | 'previous_response_not_found'
  // The server's own state: its body budget is full, it is shutting down, it holds max_connections.
  | 'overloaded'
  | 'shutting_down'
  | 'too_many_connections'
  // HTTP that never became a request (node:http's `clientError`).
  | 'malformed_http'
  | 'headers_too_large'
  | 'request_timeout';

/** One refusal as the metrics count it. */
export type EdgeRejection = {
  /** The dialect of the error answer; undefined when the refusal came before HTTP was parsed (malformed HTTP, a closed connection). */
  dialect: Dialect | undefined;
  /** The HTTP status answered; undefined when the connection was closed without an answer. */
  status: number | undefined;
  reason: EdgeRejectionReason;
};
