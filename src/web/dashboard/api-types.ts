/**
 * What the page reads from `/v1/stats` and `/v1/traces`, as it reads it: every field it does not
 * need to render something is left out, and anything may be missing (old traces, other versions).
 */

export type ShareRow = { name: string; requests: number; share?: number; costUsd?: number };

export type Bucket = {
  start: number;
  requests: number;
  errors: number;
  fallbacks: number;
  costUsd?: number;
  referenceCostUsd?: number;
  meanLatencyMs?: number | null;
};

export type Stats = {
  requests?: number;
  statuses?: Record<string, number>;
  errorRate?: number;
  fallbackRate?: number;
  retryRate?: number;
  latencyMs?: { p50?: number; p90?: number; p99?: number };
  firstTokenMs?: { p50?: number } | null;
  costUsd?: number;
  unknownCost?: number;
  referenceCostUsd?: number;
  savingsUsd?: number;
  routes?: ShareRow[];
  models?: ShareRow[];
  timeline?: Bucket[];
  /** Per key with `?by=key`: only the keys the caller may see. */
  groups?: KeyGroup[];
};

/** One key's figures in the window (`id` null: the requests made without a virtual key). */
export type KeyGroup = {
  id: string | null;
  name?: string | null;
  team?: string | null;
  requests: number;
  errors?: number;
  costUsd?: number;
  referenceCostUsd?: number;
  savingsUsd?: number;
};

/** `/v1/usage`: a key's or team's limits, its rate-limit window, refusals and budget in its period. */
export type ScopeUsage = {
  id: string;
  name?: string;
  team?: string | null;
  limits?: { rpm?: number | null; tpm?: number | null; max_concurrent?: number | null; budget?: { usd?: number; period?: string } | null };
  window?: { requests?: number; tokens?: number; in_flight?: number } | null;
  refused?: { rate_limited?: number; budget_exceeded?: number };
  budget?: BudgetUsage | null;
};

export type BudgetUsage = {
  limit_usd: number;
  spent_usd: number;
  reserved_usd?: number;
  fraction: number;
  period?: string;
  period_end?: string;
};

export type UsageReport = { keys?: ScopeUsage[]; teams?: ScopeUsage[] };

export type Usage = {
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
  estimated?: boolean;
};

export type ErrorInfo = { kind: string; status?: number; message: string; retryable?: boolean };

export type Check = { check: string; passed: boolean; score?: number; detail?: string };

export type Attempt = {
  role: string;
  step?: number;
  model: string;
  provider: string;
  retry?: number;
  outcome: string;
  picked?: boolean;
  startedAt?: number;
  firstTokenMs?: number;
  durationMs?: number;
  usage?: Usage;
  costUsd?: number;
  checks?: Check[];
  error?: ErrorInfo;
};

export type Candidate = { model: string; provider: string; source: string; step?: number; note?: string };

export type PassedOver = { model: string; reason: string; detail?: string };

export type Signal = {
  signal: string;
  route: string;
  match?: string;
  key?: string;
  value?: string;
  score?: number;
  label?: string;
  similarity?: number;
  example?: string;
};

export type Decision = {
  router?: string;
  route?: string;
  policy?: string;
  reference?: string;
  signals?: Signal[];
  classification?: { model: string; outcome: string; label: string | null; detail?: string };
  similarity?: { encoder: string; outcome: string; detail?: string; scores?: Record<string, number> };
  prediction?: {
    policy: string;
    chosen: string;
    minQuality?: number;
    cleared?: boolean;
    threshold?: number;
    gain?: number;
    costWeight?: number;
    predicted?: Record<string, number>;
    classifierVersion?: string;
  };
  system?: { merge: string };
  block?: { message: string };
  balance?: { strategy: string; chosen: string; observed?: Record<string, number> };
  candidates?: Candidate[];
  filtered?: PassedOver[];
};

export type Feedback = {
  created_at?: number;
  createdAt?: number;
  score?: number;
  label?: string;
  better_model?: string;
  betterModel?: string;
};

export type Message = { role: string; content: unknown };

export type Trace = {
  id: string;
  startedAt: number;
  router?: string | null;
  route?: string | null;
  model?: string | null;
  status: string;
  requested?: string;
  stream?: boolean;
  latencyMs?: number;
  firstTokenMs?: number;
  costUsd?: number;
  referenceCostUsd?: number;
  savingsUsd?: number;
  usage?: Usage;
  error?: ErrorInfo;
  prompt?: { preview?: string; sha256?: string; messages?: Message[] };
  decision?: Decision;
  attempts?: Attempt[];
  skipped?: PassedOver[];
  notes?: string[];
  feedback?: Feedback[];
};

export type TracePage = { data?: Trace[]; next_cursor?: string | null };

/** `GET /v1/quality`: the drift monitor's estimate per router, route and model. */
export type QualityReading = {
  router: string;
  route: string | null;
  model: string;
  estimate: number;
  samples: number;
  level: number | null;
  level_source: string | null;
  margin: number;
  alarm: boolean;
  alarms: number;
  points: { at: number; estimate: number }[];
};

export type QualityReport = { enabled?: boolean; data?: QualityReading[] };
