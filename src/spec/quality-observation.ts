import type { QualityReading } from './quality-reading.js';

/** One score of one model's answer to a routed request: from a judge (shadow evaluation) or from a person (feedback). */
export type QualityObservation = {
  router: string;
  /** The route that served the request; undefined: the router's default. */
  route: string | undefined;
  /** The model whose answer was scored (the served one, or a shadow alternative). */
  model: string;
  /** In [0, 1]. */
  score: number;
  source: 'shadow' | 'feedback';
  traceId: string;
  /** Epoch ms. */
  at: number;
};

export interface QualityObserver {
  observe(observation: QualityObservation): void;
  /** What it has made of the scores so far (the drift monitor's estimates), for metrics and `GET /v1/quality`. */
  readings?(): readonly QualityReading[];
}
