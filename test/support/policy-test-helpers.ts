import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { expect } from 'vitest';
import type { Trace } from '../../src/spec/trace.js';
import { defaultReply, type FakeResponse, type FakeUpstream, type RecordedRequest } from './fake-openai-upstream.js';
import type { TestGateway } from './start-gateway.js';

/** Helpers the end-to-end tests of routing policies share. */

/** The real `openai` client against a test gateway, without its own retries (the gateway's are under test). */
export const openaiClient = (running: TestGateway): OpenAI => new OpenAI({ baseURL: running.baseURL, apiKey: 'x', maxRetries: 0 });

/** Answers by wire model; `count` is 1 for a model's first request, 2 for its second, ... */
export function answerByModel(upstream: FakeUpstream, responses: Record<string, (request: RecordedRequest, count: number) => FakeResponse>): void {
  const counts = new Map<string, number>();
  upstream.respond((request) => {
    const model = String(request.body?.['model']);
    const count = (counts.get(model) ?? 0) + 1;
    counts.set(model, count);
    const responder = responses[model];
    return responder ? responder(request, count) : { type: 'completion', text: defaultReply(model) };
  });
}

/** The trace of a JSON response (recorded before the response was sent). */
export function traceOf(running: TestGateway, response: { headers: Headers }): Trace {
  const trace = running.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '');
  expect(trace).toBeDefined();
  return trace as Trace;
}

/** Streams are traced when they end: wait for the trace to appear. */
export async function streamedTrace(running: TestGateway, response: { headers: Headers }): Promise<Trace> {
  const id = response.headers.get('x-switchyard-trace-id') ?? '';
  await expect.poll(() => running.gateway.traces.get(id)).toBeDefined();
  return running.gateway.traces.get(id) as Trace;
}

export async function collectStream(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; text: string }> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, text: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('') };
}

/** USD for a usage at a price per 1M tokens, computed by hand. */
export const usd = (prompt: number, completion: number, input: number, output: number): number => (prompt * input + completion * output) / 1e6;

/** Prices of `testConfig`'s models (USD per 1M tokens). */
export const CHEAP = { input: 0.15, output: 0.6 };
export const CODER = { input: 0.27, output: 1.1 };
export const STRONG = { input: 3, output: 15 };
