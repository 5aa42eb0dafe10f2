import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseScoredData } from '../learning/scored-data.js';
import type { ChatMessage } from '../spec/chat-request.js';
import type { Trace } from '../spec/trace.js';
import { feedbackToScored } from './feedback-to-scored.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';
import type { Feedback } from './trace-queries.js';
import { emptyDecision } from '../spec/empty-decision.js';

/** How feedback on a trace becomes a scored-data line for `switchyard train` (`switchyard export`). */

const T0 = 1_700_000_000_000;
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Debug this Python stack trace.' },
];

function trace(overrides: Partial<Trace> = {}): Trace {
  return {
    id: 'trace-1',
    startedAt: T0,
    requested: 'auto',
    prompt: { preview: 'Debug this Python stack trace.', sha256: 'a'.repeat(64), messages: MESSAGES },
    router: 'auto',
    route: 'code',
    model: 'coder',
    stream: false,
    decision: emptyDecision({
      requested: 'auto',
      router: 'auto',
      route: 'code',
      signals: [{ signal: 'keywords', route: 'code', match: 'python' }],
      policy: 'single',
      candidates: [{ model: 'coder', provider: 'fake', source: 'target' }],
      reference: 'strong',
    }),
    attempts: [],
    skipped: [],
    notes: [],
    usage: undefined,
    costUsd: 0.00042,
    referenceCostUsd: 0.0042,
    savingsUsd: 0.00378,
    status: 'ok',
    error: undefined,
    latencyMs: 120,
    firstTokenMs: undefined,
    ...overrides,
  };
}

let nextId = 1;
function feedback(fields: { score?: number; label?: string; betterModel?: string }): Feedback {
  const id = nextId++;
  return { id, traceId: 'trace-1', createdAt: T0 + id, score: fields.score ?? null, label: fields.label ?? null, betterModel: fields.betterModel ?? null, model: null, source: 'person', judgeModel: null, costUsd: null, position: null };
}

/** The line, which must also be valid scored data for `switchyard train`. */
function lineOf(result: ReturnType<typeof feedbackToScored>) {
  if ('skip' in result) throw new Error(`skipped: ${result.skip}`);
  const [example] = parseScoredData(JSON.stringify(result.line), 'export.jsonl');
  expect(example?.scores).toEqual(result.line.scores);
  return result.line;
}

describe('feedbackToScored', () => {
  it('gives the served model the score, with the messages, the served cost, router and route', () => {
    const line = lineOf(feedbackToScored(trace(), [feedback({ score: 0.7 })]));
    expect(line).toEqual({ id: 'trace-1', messages: MESSAGES, scores: { coder: 0.7 }, costs: { coder: 0.00042 }, router: 'auto', route: 'code' });
  });

  it('scores better_model 1 and the served model 0 when no score says otherwise', () => {
    expect(lineOf(feedbackToScored(trace(), [feedback({ betterModel: 'strong' })])).scores).toEqual({ coder: 0, strong: 1 });
    expect(lineOf(feedbackToScored(trace(), [feedback({ betterModel: 'strong', score: 0.25 })])).scores).toEqual({ coder: 0.25, strong: 1 });
  });

  it('lets the latest feedback win, field by field', () => {
    const result = feedbackToScored(trace(), [feedback({ score: 0.2, betterModel: 'cheap' }), feedback({ score: 0.9 }), feedback({ betterModel: 'strong' }), feedback({ label: 'late' })]);
    expect(lineOf(result).scores).toEqual({ coder: 0.9, strong: 1 });
    // A later score of 0 is a score (not "no score").
    expect(lineOf(feedbackToScored(trace(), [feedback({ score: 0.8 }), feedback({ score: 0 })])).scores).toEqual({ coder: 0 });
  });

  it('keeps every label, in order, beside the scores', () => {
    const line = lineOf(feedbackToScored(trace(), [feedback({ label: 'too long' }), feedback({ score: 0.5, label: 'wrong language' })]));
    expect(line.labels).toEqual(['too long', 'wrong language']);
    expect(line.scores).toEqual({ coder: 0.5 });
    expect('labels' in lineOf(feedbackToScored(trace(), [feedback({ score: 0.5 })]))).toBe(false);
  });

  it('skips feedback with labels only: there is nothing to train on', () => {
    expect(feedbackToScored(trace(), [feedback({ label: 'meh' }), feedback({ label: 'slow' })])).toEqual({ skip: 'no_score' });
    expect(feedbackToScored(trace(), [])).toEqual({ skip: 'no_score' });
  });

  it('skips a trace whose prompt was not stored, whatever its feedback', () => {
    const withoutPrompt = trace({ prompt: { preview: 'Debug this Python stack trace.', sha256: 'a'.repeat(64) } });
    expect(feedbackToScored(withoutPrompt, [feedback({ score: 1, betterModel: 'strong' })])).toEqual({ skip: 'no_prompt' });
  });

  it('scores only better_model for a request no model served, and leaves costs out', () => {
    const line = lineOf(feedbackToScored(trace({ model: null, status: 'error', costUsd: undefined }), [feedback({ score: 0.3, betterModel: 'strong' })]));
    expect(line.scores).toEqual({ strong: 1 });
    expect(line.costs).toBeUndefined();
    // A score alone has no model to go to.
    expect(feedbackToScored(trace({ model: null, status: 'error', costUsd: undefined }), [feedback({ score: 0.3 })])).toEqual({ skip: 'no_score' });
  });

  it('leaves costs out when the served cost is unknown (never a made-up 0)', () => {
    const line = lineOf(feedbackToScored(trace({ costUsd: undefined }), [feedback({ score: 1 })]));
    expect(line.costs).toBeUndefined();
  });

  it('keeps the score when better_model names the served model', () => {
    expect(lineOf(feedbackToScored(trace(), [feedback({ betterModel: 'coder', score: 0.6 })])).scores).toEqual({ coder: 0.6 });
  });

  it('scores the served model 1 when better_model names it and no score is given', () => {
    expect(lineOf(feedbackToScored(trace(), [feedback({ betterModel: 'coder' })])).scores).toEqual({ coder: 1 });
  });
});

describe('feedback kept by the store', () => {
  let store: SqliteTraceStore;

  beforeEach(() => {
    store = SqliteTraceStore.open({ path: ':memory:', retention: { maxAgeMs: 1e15, maxRows: 1_000 } });
  });

  afterEach(async () => {
    await store.close();
  });

  it('comes back in the order it was posted and feeds the scored line, only for traces with feedback', async () => {
    store.record(trace({ id: 'trace-a', startedAt: T0 + 10 }));
    store.record(trace({ id: 'trace-b', startedAt: T0 + 5 }));
    store.record(trace({ id: 'trace-c', startedAt: T0 + 20 }));
    expect(await store.addFeedback({ traceId: 'missing', score: 1 })).toBeUndefined();
    await store.addFeedback({ traceId: 'trace-a', score: 0.1 });
    await store.addFeedback({ traceId: 'trace-a', score: 0.4, label: 'fine' });
    await store.addFeedback({ traceId: 'trace-b', betterModel: 'strong' });

    const found = await store.get('trace-a');
    expect(found?.feedback.map((item) => [item.score, item.label, item.betterModel])).toEqual([
      [0.1, null, null],
      [0.4, 'fine', null],
    ]);

    // Oldest trace first; trace-c has no feedback.
    const exported = [...store.withFeedback({})];
    expect(exported.map(({ trace: item }) => item.id)).toEqual(['trace-b', 'trace-a']);
    const lines = exported.map(({ trace: item, feedback: items }) => lineOf(feedbackToScored(item, items)));
    expect(lines.map((line) => [line.id, line.scores, line.labels])).toEqual([
      ['trace-b', { coder: 0, strong: 1 }, undefined],
      ['trace-a', { coder: 0.4 }, ['fine']],
    ]);
    // The range is since-inclusive, until-exclusive.
    expect([...store.withFeedback({ since: T0 + 10 })].map(({ trace: item }) => item.id)).toEqual(['trace-a']);
    expect([...store.withFeedback({ until: T0 + 10 })].map(({ trace: item }) => item.id)).toEqual(['trace-b']);
  });
});
