export const WRK: string;
/** Why wrk cannot run here, or undefined. */
export const wrkMissing: string | undefined;

export interface JsonLoadResult {
  requests: number;
  perSecond: number;
  /** Milliseconds. */
  p50: number;
  /** Milliseconds. */
  p99: number;
  non2xx: number;
  errors: number;
  errorKinds: { connect: number; read: number; write: number; timeout: number };
}

export function readWrkSummary(stdout: string): JsonLoadResult | undefined;

export function wrkLoad(
  url: string,
  options: { connections: number; seconds: number; path: string; headers: Record<string, string>; bodies: string[] },
): Promise<JsonLoadResult>;
