import { z } from 'zod';
import { MockFaultSchema, MockRandomFaultSchema } from './mock-fault-schema.js';

const Milliseconds = z.number().int().nonnegative();

/** The keys of a `type: mock` entry of `providers:` (config adds the shared reliability keys). */
export const MockConfigShape = {
  type: z.literal('mock'),
  /** Same seed, same sequence of requests: same faults and latencies. */
  seed: z.number().int().default(1),
  /** Before the first byte: a fixed number, or uniform between min and max. */
  latency_ms: z.union([Milliseconds, z.strictObject({ min: Milliseconds, max: Milliseconds })]).default(0),
  /** Between stream chunks (a slow drip when large). */
  chunk_delay_ms: Milliseconds.default(0),
  /** The answer text; defaults to one naming the model. */
  reply: z.string().optional(),
  /** Faults drawn at random per request, each with its probability. */
  faults: z.array(MockRandomFaultSchema).default([]),
  /** Outcomes for the first requests, in order ("ok" or a fault); then the random faults apply. */
  script: z.array(z.union([z.literal('ok'), MockFaultSchema])).default([]),
};
