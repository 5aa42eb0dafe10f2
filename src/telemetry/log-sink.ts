import type { Logger } from 'pino';
import type { TraceSink } from '../spec/trace-sink.js';
import { answeringAttempts } from '../spec/attempt-rules.js';
import type { Trace } from '../spec/trace.js';

/**
 * One structured log line per request, when it ends: what happened, not what was said (no
 * prompt, no answer, never a key: a virtual key's id and team only). Errors and aborted requests at `warn`.
 */
export function createLogSink(logger: Logger): TraceSink {
  return {
    record(trace: Trace): void {
      const line = {
        trace_id: trace.id,
        key_id: trace.caller?.keyId,
        team: trace.caller?.team,
        requested: trace.requested,
        router: trace.router,
        route: trace.route,
        model: trace.model,
        status: trace.status,
        stream: trace.stream,
        attempts: answeringAttempts(trace.attempts),
        calls: trace.attempts.length,
        latency_ms: Math.round(trace.latencyMs * 10) / 10,
        first_token_ms: trace.firstTokenMs === undefined ? undefined : Math.round(trace.firstTokenMs * 10) / 10,
        cost_usd: trace.costUsd,
        savings_usd: trace.savingsUsd,
        error: trace.error ? { kind: trace.error.kind, message: trace.error.message, status: trace.error.status } : undefined,
      };
      if (trace.status === 'error' || trace.status === 'aborted' || trace.status === 'shutdown') logger.warn(line, 'request');
      else logger.info(line, 'request');
    },
  };
}
