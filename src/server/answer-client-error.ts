import type { Duplex } from 'node:stream';

type RawAnswer = { status: number; text: string };

const answer = (status: number, reason: string): RawAnswer => ({ status, text: `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n` });

const ANSWERS: Record<string, RawAnswer> = {
  // headers_timeout_ms or request_timeout_ms passed: the client was too slow to send its request.
  ERR_HTTP_REQUEST_TIMEOUT: answer(408, 'Request Timeout'),
  HPE_HEADER_OVERFLOW: answer(431, 'Request Header Fields Too Large'),
};
/** Time for the answer to reach a client before its socket is destroyed. */
const LINGER_MS = 1_000;
const BAD_REQUEST = answer(400, 'Bad Request');

/**
 * node:http's `clientError`: malformed HTTP, headers too large, or a request not received in time,
 * none of which reaches a handler. Answers with the status that says which, when no answer has
 * begun on the socket, and drops the connection. Returns the status, undefined when it could not answer.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): number | undefined {
  const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && answering?.headersSent !== true && error.code !== 'ECONNRESET') {
    const { status, text } = ANSWERS[error.code ?? ''] ?? BAD_REQUEST;
    socket.end(text);
    // Ended, the socket still waits for the client's side to close: one that never does must not keep it (and its descriptor).
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
    return status;
  }
  socket.destroy();
  return undefined;
}
