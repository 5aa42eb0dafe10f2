import { describe, expect, it } from 'vitest';
import { ProviderConnectionError } from '../errors/provider-errors.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { AttemptRecorder } from './attempt-recorder.js';
import { DeploymentLoad } from './deployment-load.js';

const spec = { name: 'm', provider: 'p' } as ModelSpec;

describe('AttemptRecorder', () => {
  it('counts the call in flight until it ends, and only an answer moves the latency average', () => {
    const load = new DeploymentLoad();
    const failing = new AttemptRecorder(spec, 0, { role: 'answer', load });
    expect(load.inFlight('m')).toBe(1);
    failing.failed(new ProviderConnectionError({ provider: 'p', model: 'm' }, 'reset'));
    expect(load.inFlight('m')).toBe(0);
    expect(load.latencyMs('m')).toBeUndefined();
    const answering = new AttemptRecorder(spec, 0, { role: 'classifier', step: 2, load });
    const attempt = answering.succeeded(undefined);
    expect(load.latencyMs('m')).toBe(attempt.durationMs);
    expect(attempt).toMatchObject({ role: 'classifier', step: 2, outcome: 'ok' });
  });

  it('keeps what the provider could not carry on the Attempt, and adds no field when nothing was dropped', () => {
    const warned = new AttemptRecorder(spec);
    warned.warn(['dropped 1 cache_control breakpoint(s)']);
    expect(warned.failed(new ProviderConnectionError({ provider: 'p', model: 'm' }, 'reset')).warnings).toEqual(['dropped 1 cache_control breakpoint(s)']);
    const clean = new AttemptRecorder(spec);
    clean.warn(undefined);
    clean.warn([]);
    expect('warnings' in clean.succeeded(undefined)).toBe(false);
  });

  it("keeps what a stream's provider adds to its warnings until the attempt ends", () => {
    const recorder = new AttemptRecorder(spec);
    const warnings: string[] = [];
    recorder.warn(warnings);
    warnings.push('dropped answer blocks the canonical result has no place for: server_tool_use');
    expect(recorder.succeeded(undefined).warnings).toEqual(['dropped answer blocks the canonical result has no place for: server_tool_use']);
  });
});
