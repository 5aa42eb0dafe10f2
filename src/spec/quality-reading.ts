/** Where a series' calibrated level came from: `drift.levels` of the config, the trained router file's holdout record, or the series' own first scores. */
export type LevelSource = 'config' | 'trained' | 'baseline';

/** What the drift monitor knows of one (router, route, model): for `/metrics`, `GET /v1/quality` and the dashboard. */
export type QualityReading = {
  router: string;
  /** Undefined: the router's default. */
  route: string | undefined;
  model: string;
  /** Mean of the scores in the window. */
  estimate: number;
  /** Scores in the window (at most `drift.window`). */
  samples: number;
  /** The calibrated level; undefined while a baseline is still being learned. */
  level: number | undefined;
  levelSource: LevelSource | undefined;
  margin: number;
  /** An alarm episode is open: the estimate fell below level − margin and has not come back. */
  alarm: boolean;
  /** Alarm episodes so far. */
  alarms: number;
  /** The estimate after each of the latest scores, oldest first, for a chart. */
  points: readonly { at: number; estimate: number }[];
};
