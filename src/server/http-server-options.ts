import type { ServerOptions } from 'node:http';
import type { ServerLimits } from '../config/server-limits-schema.js';

/** Longest wait between node's checks of the header and request timeouts (its default, 30 s, let a slow-header socket live 86 s). */
const MAX_CHECK_INTERVAL_MS = 1_000;

/** node:http's timeouts from `server:` (see server-limits-schema.ts). */
export function httpServerOptions(limits: ServerLimits): ServerOptions {
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // A quarter of the header timeout keeps it within 25% (short timeouts are what tests configure).
    connectionsCheckingInterval: Math.min(MAX_CHECK_INTERVAL_MS, Math.ceil(limits.headersTimeoutMs / 4)),
  };
}
