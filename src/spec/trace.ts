import type { ErrorKind } from '../errors/switchyard-error.js';
import type { Decision, FilteredCandidate } from './decision.js';
import type { Usage } from './usage.js';

export type AttemptError = {
  kind: ErrorKind;
  message: string;
  retryable: boolean;
  /** Upstream HTTP status, when there was one. */
  status?: number;
};

/** One call to one model. */
export type Attempt = {
  model: string;
  provider: string;
  /** 0 for the first call to this model in the request, n for its n-th retry. */
  retry: number;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Milliseconds from the start of the attempt to its first content part (streams only). */
  firstTokenMs: number | undefined;
  durationMs: number;
  /** `refused`: the model answered with a content-policy refusal and the route moved on (failover_on_content_filter). */
  outcome: 'ok' | 'error' | 'refused';
  error: AttemptError | undefined;
  usage: Usage | undefined;
};

export type TraceStatus = 'ok' | 'blocked' | 'error' | 'aborted';

/** Everything about one request, minus secrets and (by default) the prompt. */
export type Trace = {
  id: string;
  startedAt: number;
  requested: string;
  router: string | null;
  route: string | null;
  /** Catalog name of the model that served; null if none did. */
  model: string | null;
  stream: boolean;
  decision: Decision;
  attempts: Attempt[];
  /** Candidates of the plan passed over while executing (a circuit opened meanwhile, a context-length error ruled them out). */
  skipped: FilteredCandidate[];
  usage: Usage | undefined;
  /** Undefined when usage or price is unknown. */
  costUsd: number | undefined;
  /** What the router's reference model would have cost for the same usage. */
  referenceCostUsd: number | undefined;
  savingsUsd: number | undefined;
  status: TraceStatus;
  error: AttemptError | undefined;
  latencyMs: number;
  firstTokenMs: number | undefined;
};
