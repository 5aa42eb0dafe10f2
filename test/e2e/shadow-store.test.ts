import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../../src/spec/trace.js';
import { emptyDecision } from '../../src/spec/empty-decision.js';
import { feedbackToScored } from '../../src/telemetry/feedback-to-scored.js';
import { PostgresTraceStore } from '../../src/telemetry/postgres/postgres-trace-store.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import type { Feedback } from '../../src/telemetry/trace-queries.js';
import { postgresMissing, startPostgres, type PostgresServer } from '../support/local-servers.js';
import { freshDatabase } from '../support/postgres-database.js';

/**
 * Judge scores (shadow evaluation) beside a person's feedback, on both trace stores: written and read
 * back with whose answer they scored, the judge, the answer's cost and its position, and turned by
 * export into per-model scores of the line, a person's verdict on the served model overriding the judge's.
 */

const RETENTION = { maxAgeMs: 365 * 86_400_000, maxRows: 1_000 };

let server: PostgresServer | undefined;
beforeAll(async () => {
  if (postgresMissing === undefined) server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

type Store = SqliteTraceStore | PostgresTraceStore;
const STORES: [string, () => Promise<Store>][] = [['SQLite', async () => SqliteTraceStore.open({ path: ':memory:', retention: RETENTION, batchMs: 5 })]];
if (postgresMissing === undefined) STORES.push(['PostgreSQL', async () => PostgresTraceStore.open({ url: await freshDatabase(server as PostgresServer), retention: RETENTION, batchMs: 5 })]);

function trace(id: string): Trace {
  return {
    id,
    startedAt: Date.now() - 1_000,
    requested: 'auto',
    prompt: { preview: 'What is 2 + 2?', sha256: 'a'.repeat(64), messages: [{ role: 'user', content: 'What is 2 + 2?' }] },
    router: 'auto',
    route: 'default',
    model: 'cheap',
    stream: false,
    decision: emptyDecision({ requested: 'auto', router: 'auto', route: 'default', policy: 'single', candidates: [], reference: null }),
    attempts: [],
    skipped: [],
    notes: [],
    usage: undefined,
    costUsd: 0.0001,
    referenceCostUsd: undefined,
    savingsUsd: undefined,
    status: 'ok',
    error: undefined,
    latencyMs: 10,
    firstTokenMs: undefined,
  };
}

const judged = (model: string, costUsd: number | undefined, position: 1 | 2) => ({ model, judgeModel: 'judge', costUsd, position });

describe.each(STORES)('judge feedback on %s', (_name, open) => {
  it('writes and reads judge scores beside a person’s, and exports them as per-model scores', async () => {
    const store = await open();
    try {
      store.record(trace('t-1'));
      store.record(trace('t-2'));
      expect(await store.flush()).toBe(true);
      const written = await store.addFeedback({ traceId: 't-1', score: 0.6, judged: judged('cheap', undefined, 1) });
      expect(written).toMatchObject({ source: 'judge', model: 'cheap', judgeModel: 'judge', costUsd: null, position: 1 });
      await store.addFeedback({ traceId: 't-1', score: 0.9, judged: judged('strong', 0.002, 2) });
      await store.addFeedback({ traceId: 't-1', score: 0.8, judged: judged('cheap', undefined, 2) });
      await store.addFeedback({ traceId: 't-1', score: 1, judged: judged('coder', 0.0005, 1) });
      await store.addFeedback({ traceId: 't-2', score: 0.4, judged: judged('cheap', undefined, 2) });
      await store.addFeedback({ traceId: 't-2', score: 0.2, label: 'wrong' });

      const found = await store.get('t-1');
      expect(found?.feedback.map((item) => [item.source, item.model, item.score, item.judgeModel, item.costUsd, item.position])).toEqual([
        ['judge', 'cheap', 0.6, 'judge', null, 1],
        ['judge', 'strong', 0.9, 'judge', 0.002, 2],
        ['judge', 'cheap', 0.8, 'judge', null, 2],
        ['judge', 'coder', 1, 'judge', 0.0005, 1],
      ]);
      const person = (await store.get('t-2'))?.feedback[1];
      expect(person).toMatchObject({ source: 'person', model: null, judgeModel: null, costUsd: null, position: null, score: 0.2, label: 'wrong' });

      const exported: { trace: Trace; feedback: Feedback[] }[] = [];
      for await (const item of store.withFeedback({})) exported.push(item);
      const lines = exported.map(({ trace: t, feedback }) => feedbackToScored(t, feedback));
      expect(lines.map((line) => ('line' in line ? [line.line.id, line.line.scores, line.line.costs] : line))).toEqual([
        // The served answer judged twice: the mean of its scores.
        ['t-1', { cheap: 0.7, strong: 0.9, coder: 1 }, { strong: 0.002, coder: 0.0005, cheap: 0.0001 }],
        // A person's score of the served answer overrides the judge's.
        ['t-2', { cheap: 0.2 }, { cheap: 0.0001 }],
      ]);
    } finally {
      await store.close();
    }
  });
});
