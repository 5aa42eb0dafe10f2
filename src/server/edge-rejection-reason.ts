import { asKnownError, type ErrorByKind } from '../errors/any-switchyard-error.js';
import type { ForbiddenCode } from '../errors/request-errors.js';
import type { ErrorKind, SwitchyardError } from '../errors/switchyard-error.js';
import type { EdgeRejectionReason } from '../spec/edge-rejection.js';

/** Codes of invalid requests worth a reason of their own: what the body itself got wrong, as the server's parsers name it. */
const BODY_REASONS = new Map<string | undefined, EdgeRejectionReason>([
  ['invalid_json', 'invalid_json'],
  ['json_too_deep', 'json_too_deep'],
  ['array_above_max_length', 'array_above_max_length'],
]);

/**
 * The reason a thrown error refuses a request at the edge, or undefined when it is no refusal:
 * a failure after routing began (upstream errors, no model left), a bug, or a client that went away
 * (`aborted`: nothing was refused). The one place where error kinds and codes become reasons.
 */
export function edgeRejectionReason(thrown: SwitchyardError): EdgeRejectionReason | undefined {
  const error = asKnownError(thrown);
  return reasonOf(error.kind, error);
}

function reasonOf<K extends ErrorKind>(kind: K, error: ErrorByKind[K]): EdgeRejectionReason | undefined {
  return REASON_BY_KIND[kind](error);
}

const FORBIDDEN_REASONS: Record<ForbiddenCode, EdgeRejectionReason> = {
  cross_origin: 'bad_origin',
  form_content_type: 'form_content_type',
  model_not_allowed: 'model_not_allowed',
  admin_only: 'admin_only',
};

const notEdge = (): undefined => undefined;

/** One entry per `ErrorKind`, as in error-to-http.ts: a new kind must say whether it is a refusal at the edge, or this does not compile. */
const REASON_BY_KIND: { [K in ErrorKind]: (error: ErrorByKind[K]) => EdgeRejectionReason | undefined } = {
  invalid_request: (error) => BODY_REASONS.get(error.code) ?? 'invalid_request',
  authentication: () => 'unauthorized',
  forbidden: (error) => FORBIDDEN_REASONS[error.code],
  misdirected_request: () => 'bad_host',
  not_found: (error) => error.code ?? 'not_found',
  method_not_allowed: () => 'method_not_allowed',
  payload_too_large: () => 'body_too_large',
  overloaded: () => 'overloaded',
  shutdown: () => 'shutting_down',
  aborted: notEdge,
  no_available_model: notEdge,
  deployment_quota: notEdge,
  rate_limited: () => 'rate_limited',
  // Refused at admission, before routing: no trace.
  state_unavailable: () => 'state_unavailable',
  // Refused after routing, with its trace.
  budget_exceeded: notEdge,
  no_compatible_model: notEdge,
  upstream_http: notEdge,
  upstream_connection: notEdge,
  upstream_timeout: notEdge,
  upstream_protocol: notEdge,
  all_attempts_failed: notEdge,
  config: notEdge,
  startup: notEdge,
  internal: notEdge,
};

/**
 * The reason of node:http's `clientError` (HTTP that never became a request), or undefined when
 * nothing was refused: the client went away mid-request (a reset, or its side closed before the
 * request was whole), or it timed out on a connection that never sent a byte (a browser's
 * preconnect, a TCP probe: a connection opened, not a request).
 */
export function clientErrorReason(code: string | undefined, bytesRead: number): EdgeRejectionReason | undefined {
  switch (code) {
    case 'ECONNRESET':
    case 'HPE_INVALID_EOF_STATE':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return bytesRead === 0 ? undefined : 'request_timeout';
    case 'HPE_HEADER_OVERFLOW':
      return 'headers_too_large';
    default:
      return 'malformed_http';
  }
}
