import { z } from 'zod';
import type { ValueIssue } from '../util/describe-zod-issues.js';

const Milliseconds = z.number().int().positive();

/**
 * `server:` keys that bound what clients can make the gateway hold: memory for bodies, work for
 * one body's shape, sockets and the time a socket may take to send its request. Each default is
 * explained in docs/operations.md ("Limits"). `max_inflight_body_size` is in ServerSchema, beside
 * `max_body_size`, because it is a byte size.
 */
export const ServerLimitFields = {
  /** Messages in one request (Azure OpenAI allows 2,048, Anthropic 100,000). */
  max_messages: z.number().int().positive().default(10_000),
  /** Nesting of arrays and objects anywhere in a body, pass-through fields included. */
  max_json_depth: z.number().int().min(8, { error: 'expected a depth of at least 8 (a message with content parts is 5 deep)' }).default(64),
  /** Open client connections; unset: half of the process's open-file limit less 64 (the rest is for upstream connections and files). */
  max_connections: z.number().int().positive().optional(),
  /** Time a client has to send its request headers (node's `headersTimeout`). */
  headers_timeout_ms: Milliseconds.default(15_000),
  /** Time a client has to send its whole request, body included (node's `requestTimeout`; answers are not limited by it). */
  request_timeout_ms: Milliseconds.default(120_000),
  /** An idle keep-alive connection is closed after this (above the 60 s idle timeout of common load balancers). */
  keep_alive_timeout_ms: Milliseconds.default(65_000),
};

type ParsedLimits = z.infer<z.ZodObject<typeof ServerLimitFields>> & {
  max_body_size: number;
  max_inflight_body_size: number;
};

/** The resolved `server:` limits (see ServerLimitFields for what each bounds). */
export type ServerLimits = {
  maxInflightBodyBytes: number;
  maxMessages: number;
  maxJsonDepth: number;
  /** Undefined: derived from the open-file limit when the server starts (`server/connection-cap.ts`). */
  maxConnections: number | undefined;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
};

/** Checks the limits against each other: a body the in-flight bound can never hold, a header timeout past the request's. */
export function resolveServerLimits(server: ParsedLimits, issues: ValueIssue[]): ServerLimits {
  if (server.max_inflight_body_size < server.max_body_size) {
    issues.push({
      path: ['server', 'max_inflight_body_size'],
      message: `expected at least server.max_body_size (${server.max_body_size} bytes), found ${server.max_inflight_body_size}: a body of the largest allowed size could never be read`,
    });
  }
  if (server.headers_timeout_ms > server.request_timeout_ms) {
    issues.push({
      path: ['server', 'headers_timeout_ms'],
      message: `expected at most server.request_timeout_ms (${server.request_timeout_ms}), found ${server.headers_timeout_ms}: the headers are part of the request`,
    });
  }
  return {
    maxInflightBodyBytes: server.max_inflight_body_size,
    maxMessages: server.max_messages,
    maxJsonDepth: server.max_json_depth,
    maxConnections: server.max_connections,
    headersTimeoutMs: server.headers_timeout_ms,
    requestTimeoutMs: server.request_timeout_ms,
    keepAliveTimeoutMs: server.keep_alive_timeout_ms,
  };
}
