import type { Duplex } from 'node:stream';

const RESPONSES: Record<string, string> = {
  // headers_timeout_ms or request_timeout_ms passed: the client was too slow to send its request.
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
  HPE_HEADER_OVERFLOW: 'HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
};
/** Time for the answer to reach a client before its socket is destroyed. */
const LINGER_MS = 1_000;
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';

/**
 * node:http's `clientError`: malformed HTTP, headers too large, or a request not received in time,
 * none of which reaches a handler. Answers with the status that says which, when no answer has
 * begun on the socket, and drops the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && answering?.headersSent !== true && error.code !== 'ECONNRESET') {
    socket.end(RESPONSES[error.code ?? ''] ?? BAD_REQUEST);
    // Ended, the socket still waits for the client's side to close: one that never does must not keep it (and its descriptor).
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
    return;
  }
  socket.destroy();
}
