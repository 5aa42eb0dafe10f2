import { describe, expect, it } from 'vitest';
import type { Candidate, Decision } from '../spec/decision.js';
import type { Attempt, Trace } from '../spec/trace.js';
import type { Usage } from '../spec/usage.js';
import { GatewayMetrics, type BreakerStates } from './gateway-metrics.js';
import { emptyDecision } from '../spec/empty-decision.js';

function usage(inputTokens: number | undefined, outputTokens: number | undefined): Usage {
  return { inputTokens, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens, reasoningTokens: undefined, estimated: false };
}

function attempt(overrides: Partial<Attempt> = {}): Attempt {
  return {
    model: 'coder',
    provider: 'acme',
    role: 'answer',
    retry: 0,
    startedAt: 1_700_000_000_000,
    firstTokenMs: undefined,
    durationMs: 100,
    outcome: 'ok',
    error: undefined,
    usage: usage(10, 20),
    costUsd: 0.001,
    ...overrides,
  };
}

function candidate(model: string, overrides: Partial<Candidate> = {}): Candidate {
  return { model, provider: 'acme', source: 'target', ...overrides };
}

function trace(overrides: Partial<Trace> = {}, decision: Partial<Decision> = {}): Trace {
  const router = overrides.router === undefined ? 'auto' : overrides.router;
  const route = overrides.route === undefined ? 'code' : overrides.route;
  return {
    id: 'trace-1',
    startedAt: 1_700_000_000_000,
    requested: 'auto',
    prompt: { preview: 'write a parser', sha256: '0'.repeat(64) },
    router,
    route,
    model: 'coder',
    stream: false,
    decision: emptyDecision({
      requested: 'auto',
      router,
      route,
      policy: 'single',
      candidates: [candidate('coder')],
      reference: null,
      ...decision,
    }),
    attempts: [attempt()],
    skipped: [],
    notes: [],
    usage: usage(10, 20),
    costUsd: 0.001,
    referenceCostUsd: undefined,
    savingsUsd: undefined,
    status: 'ok',
    error: undefined,
    latencyMs: 1200,
    firstTokenMs: undefined,
    ...overrides,
  };
}

type Sample = { name: string; labels: Record<string, string>; value: number };

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key as string] = value as string;
    const raw = match[3] as string;
    samples.push({ name: match[1] as string, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return samples;
}

/** The value of the one sample with exactly these labels; undefined when there is none. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  const found = parse(text).filter(
    (sample) => sample.name === name && Object.keys(sample.labels).length === wanted.length && wanted.every(([key, v]) => sample.labels[key] === v),
  );
  if (found.length > 1) throw new Error(`several samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

function samplesOf(text: string, name: string): Sample[] {
  return parse(text).filter((sample) => sample.name === name);
}

function metrics(options: ConstructorParameters<typeof GatewayMetrics>[0] = {}): GatewayMetrics {
  return new GatewayMetrics({ processMetrics: false, ...options });
}

describe('GatewayMetrics', () => {
  it('counts requests by router, route, served model and status', async () => {
    const gateway = metrics();
    gateway.record(trace());
    gateway.record(trace());
    gateway.record(trace({ status: 'error', model: null, attempts: [attempt({ outcome: 'error', usage: undefined, costUsd: undefined })] }));
    gateway.record(trace({ router: null, route: null, model: 'coder', requested: 'coder' }));
    const text = await gateway.render();

    expect(value(text, 'switchyard_requests_total', { router: 'auto', route: 'code', model: 'coder', status: 'ok' })).toBe(2);
    expect(value(text, 'switchyard_requests_total', { router: 'auto', route: 'code', model: 'none', status: 'error' })).toBe(1);
    expect(value(text, 'switchyard_requests_total', { router: 'none', route: 'none', model: 'coder', status: 'ok' })).toBe(1);
    expect(samplesOf(text, 'switchyard_requests_total')).toHaveLength(3);
  });

  it('reports the same totals at every scrape, and what came in between', async () => {
    const gateway = metrics();
    gateway.record(trace());
    const labels = { router: 'auto', route: 'code', model: 'coder', status: 'ok' };
    expect(value(await gateway.render(), 'switchyard_requests_total', labels)).toBe(1);
    expect(value(await gateway.render(), 'switchyard_requests_total', labels)).toBe(1);
    gateway.record(trace());
    const text = await gateway.render();
    expect(value(text, 'switchyard_requests_total', labels)).toBe(2);
    expect(value(text, 'switchyard_attempts_total', { model: 'coder', provider: 'acme', role: 'answer', outcome: 'ok' })).toBe(2);
  });

  it('observes request durations in seconds, in LLM-sized buckets', async () => {
    const gateway = metrics();
    for (const latencyMs of [30, 700, 200_000]) gateway.record(trace({ latencyMs }));
    const text = await gateway.render();
    const labels = { router: 'auto', route: 'code', model: 'coder', status: 'ok' };
    const bucket = (le: string): number | undefined => value(text, 'switchyard_request_duration_seconds_bucket', { ...labels, le });

    expect(bucket('0.05')).toBe(1);
    expect(bucket('0.5')).toBe(1);
    expect(bucket('1')).toBe(2);
    expect(bucket('120')).toBe(2);
    expect(bucket('+Inf')).toBe(3);
    expect(value(text, 'switchyard_request_duration_seconds_count', labels)).toBe(3);
    expect(value(text, 'switchyard_request_duration_seconds_sum', labels)).toBeCloseTo(200.73, 6);
    const bounds = samplesOf(text, 'switchyard_request_duration_seconds_bucket').map((sample) => sample.labels['le']);
    expect(bounds[0]).toBe('0.05');
    expect(bounds.at(-2)).toBe('120');
  });

  it('observes time to first token only for traces that have one', async () => {
    const gateway = metrics();
    gateway.record(trace({ stream: true, firstTokenMs: 400 }));
    gateway.record(trace({ stream: false, firstTokenMs: undefined }));
    const text = await gateway.render();
    const labels = { router: 'auto', route: 'code', model: 'coder' };

    expect(value(text, 'switchyard_time_to_first_token_seconds_count', labels)).toBe(1);
    expect(value(text, 'switchyard_time_to_first_token_seconds_sum', labels)).toBeCloseTo(0.4, 9);
    expect(value(text, 'switchyard_time_to_first_token_seconds_bucket', { ...labels, le: '0.25' })).toBe(0);
    expect(value(text, 'switchyard_time_to_first_token_seconds_bucket', { ...labels, le: '0.5' })).toBe(1);
  });

  it('counts the tokens of every attempt, by model, role and direction', async () => {
    const gateway = metrics();
    gateway.record(
      trace({
        attempts: [
          attempt({ model: 'tiny', role: 'classifier', usage: usage(50, 2) }),
          attempt({ model: 'embedder', role: 'embedding', usage: usage(40, undefined) }),
          attempt({ model: 'coder', outcome: 'error', usage: usage(100, 5) }),
          attempt({ model: 'coder', retry: 1, usage: usage(100, 300) }),
          attempt({ model: 'tiny', role: 'judge', usage: undefined }),
        ],
      }),
    );
    const text = await gateway.render();

    expect(value(text, 'switchyard_tokens_total', { model: 'tiny', role: 'classifier', direction: 'input' })).toBe(50);
    expect(value(text, 'switchyard_tokens_total', { model: 'tiny', role: 'classifier', direction: 'output' })).toBe(2);
    expect(value(text, 'switchyard_tokens_total', { model: 'embedder', role: 'embedding', direction: 'input' })).toBe(40);
    // Unknown is not zero: no output sample for the encoder, nothing for the judge without usage.
    expect(value(text, 'switchyard_tokens_total', { model: 'embedder', role: 'embedding', direction: 'output' })).toBeUndefined();
    expect(value(text, 'switchyard_tokens_total', { model: 'tiny', role: 'judge', direction: 'input' })).toBeUndefined();
    // The failed call was billed too.
    expect(value(text, 'switchyard_tokens_total', { model: 'coder', role: 'answer', direction: 'input' })).toBe(200);
    expect(value(text, 'switchyard_tokens_total', { model: 'coder', role: 'answer', direction: 'output' })).toBe(305);
  });

  it('counts attempts by outcome, and retries', async () => {
    const gateway = metrics();
    gateway.record(
      trace({
        attempts: [
          attempt({ model: 'tiny', role: 'classifier' }),
          attempt({ outcome: 'error' }),
          attempt({ outcome: 'error', retry: 1 }),
          attempt({ retry: 2 }),
        ],
      }),
    );
    const text = await gateway.render();

    expect(value(text, 'switchyard_attempts_total', { model: 'coder', provider: 'acme', role: 'answer', outcome: 'error' })).toBe(2);
    expect(value(text, 'switchyard_attempts_total', { model: 'coder', provider: 'acme', role: 'answer', outcome: 'ok' })).toBe(1);
    expect(value(text, 'switchyard_attempts_total', { model: 'tiny', provider: 'acme', role: 'classifier', outcome: 'ok' })).toBe(1);
    expect(value(text, 'switchyard_retries_total', { model: 'coder' })).toBe(2);
    expect(value(text, 'switchyard_retries_total', { model: 'tiny' })).toBeUndefined();
  });

  it('sums cost per called model, and reference and routed cost over the same requests', async () => {
    const gateway = metrics();
    gateway.record(
      trace({
        attempts: [attempt({ model: 'tiny', role: 'classifier', costUsd: 0.0001 }), attempt({ costUsd: 0.002 })],
        costUsd: 0.0021,
        referenceCostUsd: 0.01,
        savingsUsd: 0.0079,
      }),
    );
    // Dearer than the reference: negative savings, still only increments.
    gateway.record(trace({ attempts: [attempt({ costUsd: 0.02 })], costUsd: 0.02, referenceCostUsd: 0.01, savingsUsd: -0.01 }));
    // Cost unknown (an unpriced model): savings unknown, so the reference is not counted either.
    gateway.record(trace({ attempts: [attempt({ costUsd: undefined })], costUsd: undefined, referenceCostUsd: 0.3, savingsUsd: undefined }));
    // No reference: its cost counts as cost, not on either side of savings.
    gateway.record(trace({ router: 'cheap', attempts: [attempt({ costUsd: 0.5 })], costUsd: 0.5 }));
    const text = await gateway.render();

    expect(value(text, 'switchyard_cost_usd_total', { router: 'auto', model: 'coder' })).toBeCloseTo(0.022, 12);
    expect(value(text, 'switchyard_cost_usd_total', { router: 'auto', model: 'tiny' })).toBeCloseTo(0.0001, 12);
    expect(value(text, 'switchyard_cost_usd_total', { router: 'cheap', model: 'coder' })).toBeCloseTo(0.5, 12);
    expect(value(text, 'switchyard_reference_cost_usd_total', { router: 'auto' })).toBeCloseTo(0.02, 12);
    expect(value(text, 'switchyard_routed_cost_usd_total', { router: 'auto' })).toBeCloseTo(0.0221, 12);
    expect(value(text, 'switchyard_reference_cost_usd_total', { router: 'cheap' })).toBeUndefined();
    expect(value(text, 'switchyard_routed_cost_usd_total', { router: 'cheap' })).toBeUndefined();
    // Savings = reference - routed, computed by the reader; it equals the sum of the traces' savings.
    const reference = value(text, 'switchyard_reference_cost_usd_total', { router: 'auto' }) ?? NaN;
    const routed = value(text, 'switchyard_routed_cost_usd_total', { router: 'auto' }) ?? NaN;
    expect(reference - routed).toBeCloseTo(0.0079 - 0.01, 12);
  });

  it('counts a fallback when the served model is not the first candidate of its step', async () => {
    const gateway = metrics();
    // Served by the first candidate: no fallback.
    gateway.record(trace({}, { candidates: [candidate('coder'), candidate('backup', { source: 'fallback' })] }));
    // The first candidate failed, the router's fallback served: a fallback.
    gateway.record(
      trace(
        { model: 'backup', attempts: [attempt({ outcome: 'error' }), attempt({ model: 'backup' })] },
        { candidates: [candidate('coder'), candidate('backup', { source: 'fallback' })] },
      ),
    );
    // A cascade escalating to its second step is the policy working, not a failover.
    const cascade: Partial<Decision> = {
      policy: 'cascade',
      candidates: [candidate('tiny', { step: 0 }), candidate('coder', { step: 1 }), candidate('backup', { step: 1, source: 'fallback' })],
    };
    gateway.record(trace({ attempts: [attempt({ model: 'tiny', step: 0, outcome: 'rejected' }), attempt({ step: 1 })] }, cascade));
    // ... but the second step's fallback serving is.
    gateway.record(
      trace(
        { model: 'backup', attempts: [attempt({ model: 'tiny', step: 0, outcome: 'rejected' }), attempt({ step: 1, outcome: 'error' }), attempt({ model: 'backup', step: 1 })] },
        cascade,
      ),
    );
    // Nothing served: no fallback.
    gateway.record(trace({ model: null, status: 'error', attempts: [attempt({ outcome: 'error' })] }, { candidates: [candidate('coder')] }));
    // Another router, served by its first candidate.
    gateway.record(trace({ router: 'other' }));
    const text = await gateway.render();

    expect(value(text, 'switchyard_fallbacks_total', { router: 'auto' })).toBe(2);
    expect(value(text, 'switchyard_fallbacks_total', { router: 'other' })).toBeUndefined();
  });

  it('reads circuit breaker states at scrape time', async () => {
    const states: { model: string; provider: string; state: 'closed' | 'open' | 'half_open' }[] = [
      { model: 'coder', provider: 'acme', state: 'closed' },
      { model: 'tiny', provider: 'acme', state: 'open' },
      { model: 'backup', provider: 'other', state: 'half_open' },
    ];
    const breakers: BreakerStates = { states: () => states };
    const gateway = metrics({ breakers });
    let text = await gateway.render();

    expect(value(text, 'switchyard_circuit_breaker_state', { model: 'coder', provider: 'acme' })).toBe(0);
    expect(value(text, 'switchyard_circuit_breaker_state', { model: 'tiny', provider: 'acme' })).toBe(2);
    expect(value(text, 'switchyard_circuit_breaker_state', { model: 'backup', provider: 'other' })).toBe(1);

    states[0] = { model: 'coder', provider: 'acme', state: 'open' };
    states.pop();
    text = await gateway.render();
    expect(value(text, 'switchyard_circuit_breaker_state', { model: 'coder', provider: 'acme' })).toBe(2);
    expect(value(text, 'switchyard_circuit_breaker_state', { model: 'backup', provider: 'other' })).toBeUndefined();
  });

  it('has no breaker gauge without breakers', async () => {
    expect(await metrics().render()).not.toContain('switchyard_circuit_breaker_state');
  });

  it('keeps separate state per instance', async () => {
    const first = metrics();
    const second = metrics();
    first.record(trace());
    const [one, two] = await Promise.all([first.render(), second.render()]);

    expect(value(one, 'switchyard_requests_total', { router: 'auto', route: 'code', model: 'coder', status: 'ok' })).toBe(1);
    expect(samplesOf(two, 'switchyard_requests_total')).toHaveLength(0);
    expect(samplesOf(two, 'switchyard_attempts_total')).toHaveLength(0);
  });

  it('never throws, whatever is unknown or malformed in the trace', async () => {
    const gateway = metrics();
    const unknown = trace({
      usage: undefined,
      costUsd: undefined,
      referenceCostUsd: undefined,
      savingsUsd: undefined,
      attempts: [attempt({ usage: undefined, costUsd: undefined }), attempt({ usage: usage(undefined, undefined), costUsd: undefined })],
    });
    expect(() => gateway.record(unknown)).not.toThrow();
    // Values prom-client would refuse (NaN, negative increments) are left out.
    const odd = trace({ latencyMs: NaN, firstTokenMs: -1, costUsd: -1, referenceCostUsd: Infinity, attempts: [attempt({ costUsd: -0.5, usage: usage(NaN, -3) })] });
    expect(() => gateway.record(odd)).not.toThrow();
    const malformed = { ...trace(), attempts: null } as unknown as Trace;
    expect(() => gateway.record(malformed)).not.toThrow();
    const text = await gateway.render();

    expect(value(text, 'switchyard_requests_total', { router: 'auto', route: 'code', model: 'coder', status: 'ok' })).toBe(3);
    expect(value(text, 'switchyard_request_duration_seconds_count', { router: 'auto', route: 'code', model: 'coder', status: 'ok' })).toBe(2);
    expect(value(text, 'switchyard_tokens_total', { model: 'coder', role: 'answer', direction: 'input' })).toBeUndefined();
    expect(value(text, 'switchyard_cost_usd_total', { router: 'auto', model: 'coder' })).toBeUndefined();
    expect(samplesOf(text, 'switchyard_time_to_first_token_seconds_count')).toHaveLength(0);
    expect(samplesOf(text, 'switchyard_reference_cost_usd_total')).toHaveLength(0);
    expect(value(text, 'switchyard_metrics_record_errors_total')).toBe(1);
  });

  it('cuts long names and never labels what the client sent', async () => {
    const gateway = metrics();
    const longRoute = 'r'.repeat(100);
    gateway.record(trace({ requested: 'client-chosen-name-xyz', route: longRoute }, { requested: 'client-chosen-name-xyz' }));
    const text = await gateway.render();

    expect(value(text, 'switchyard_requests_total', { router: 'auto', route: 'r'.repeat(64), model: 'coder', status: 'ok' })).toBe(1);
    expect(text).not.toContain('r'.repeat(65));
    expect(text).not.toContain('client-chosen-name-xyz');
    expect(text).not.toContain('write a parser');
  });

  it('renders valid Prometheus text exposition, process metrics included', async () => {
    const breakers: BreakerStates = { states: () => [{ model: 'we"ird\\name', provider: 'acme', state: 'open' }] };
    const gateway = new GatewayMetrics({ breakers });
    gateway.record(trace({ stream: true, firstTokenMs: 300, referenceCostUsd: 0.01, savingsUsd: 0.009 }));
    gateway.record(trace({ model: 'backup', attempts: [attempt({ outcome: 'error' }), attempt({ model: 'backup', retry: 1 })] }, { candidates: [candidate('coder'), candidate('backup')] }));
    const text = await gateway.render();

    expect(gateway.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
    const labelPair = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
    // Values are read with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes `Nan`).
    const number = '(?:[nN][aA][nN]|[+-]?[iI][nN][fF]|[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)';
    const sampleLine = new RegExp(`^(${name})(?:\\{(?:${labelPair}(?:,${labelPair})*,?)?\\})? ${number}(?: -?\\d+)?$`);
    const helped = new Set<string>();
    const typed = new Map<string, string>();
    const sampled = new Set<string>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const help = new RegExp(`^# HELP (${name}) .+$`).exec(line);
      const type = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
      if (help) helped.add(help[1] as string);
      else if (type) typed.set(type[1] as string, type[2] as string);
      else {
        const sample = sampleLine.exec(line);
        expect(sample, line).not.toBeNull();
        sampled.add(sample?.[1] as string);
      }
    }
    for (const sample of sampled) {
      const family = [...typed.keys()].find(
        (family) => sample === family || ((typed.get(family) === 'histogram' || typed.get(family) === 'summary') && /^_(bucket|sum|count)$/.test(sample.slice(family.length)) && sample.startsWith(family)),
      );
      expect(family, `no TYPE for ${sample}`).toBeDefined();
      expect(helped.has(family as string), `no HELP for ${sample}`).toBe(true);
    }
    for (const family of typed.keys()) {
      if (family.startsWith('switchyard_') && typed.get(family) === 'counter') expect(family).toMatch(/_total$/);
    }
    expect(typed.get('switchyard_request_duration_seconds')).toBe('histogram');
    expect(typed.get('switchyard_circuit_breaker_state')).toBe('gauge');
    expect(typed.get('switchyard_fallbacks_total')).toBe('counter');
    // Process metrics keep their standard, unprefixed names.
    expect(typed.has('process_cpu_user_seconds_total')).toBe(true);
    expect(typed.has('nodejs_heap_size_used_bytes')).toBe(true);
    expect(value(text, 'switchyard_circuit_breaker_state', { model: 'we\\"ird\\\\name', provider: 'acme' })).toBe(2);
  });
});

describe('GatewayMetrics key labels', () => {
  const alice = { keyId: 'key_a', keyName: 'alice', team: 'red' };

  it('labels requests and cost with the key name and team when allowed, none for a request without a key', async () => {
    const gateway = metrics({ keyLabels: true });
    gateway.record(trace({ caller: alice }));
    gateway.record(trace());
    const text = await gateway.render();
    expect(value(text, 'switchyard_requests_total', { router: 'auto', route: 'code', model: 'coder', status: 'ok', key: 'alice', team: 'red' })).toBe(1);
    expect(value(text, 'switchyard_requests_total', { router: 'auto', route: 'code', model: 'coder', status: 'ok', key: 'none', team: 'none' })).toBe(1);
    expect(value(text, 'switchyard_cost_usd_total', { router: 'auto', model: 'coder', key: 'alice', team: 'red' })).toBeCloseTo(0.001, 9);
    expect(text).not.toContain('key_a');
  });

  it('has no key or team label by default', async () => {
    const gateway = metrics();
    gateway.record(trace({ caller: alice }));
    const text = await gateway.render();
    expect(value(text, 'switchyard_requests_total', { router: 'auto', route: 'code', model: 'coder', status: 'ok' })).toBe(1);
    expect(text).not.toMatch(/key="|team="/);
  });
});
