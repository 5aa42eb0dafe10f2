import { InvalidRequestError } from '../../errors/request-errors.js';
import { STATS_GROUPINGS, type StatsGrouping } from '../../telemetry/trace-stats.js';
import { quoteInput } from '../../util/quote-input.js';

/** `/v1/stats?by=key|team`: the figures per virtual key or per team as well (within what the caller may see). */
export function parseStatsGrouping(value: string | null): StatsGrouping | undefined {
  if (value === null || value === '') return undefined;
  if (!STATS_GROUPINGS.includes(value as StatsGrouping)) throw new InvalidRequestError(`by must be one of ${STATS_GROUPINGS.join(', ')}; got ${quoteInput(value)}.`, { param: 'by' });
  return value as StatsGrouping;
}
