import { z } from 'zod';

// The faults a rehearsal provider plays, as its `providers:` entry writes them (`script`, `faults`):
// the schema lives with the provider; `mock-config-schema.ts` takes it in.
const Milliseconds = z.number().int().nonnegative();
const PositiveMilliseconds = z.number().int().positive();
const Rate = z.number().min(0).max(1);

/** What a rehearsal (mock) provider can do to a request; `extra` adds `rate` for the random faults. */
function mockFaults<Extra extends z.ZodRawShape>(extra: Extra) {
  const fault = <Shape extends z.ZodRawShape, Kind extends string>(kind: Kind, shape: Shape) =>
    z.strictObject({ kind: z.literal(kind), ...shape, ...extra });
  return [
    /** An HTTP error status, as an upstream would send it (with `retry-after` if given). */
    fault('error', {
      status: z.number().int().min(400).max(599),
      message: z.string().optional(),
      code: z.string().optional(),
      retry_after_ms: Milliseconds.optional(),
    }),
    /** The connection resets before any header. */
    fault('reset', {}),
    /** Nothing for `ms` before the first byte (timeouts decide what happens). */
    fault('stall', { ms: PositiveMilliseconds }),
    /** The stream breaks after this many content chunks (a JSON answer breaks mid-body). */
    fault('cut', { after_chunks: z.number().int().nonnegative() }),
    /** A 200 answer that is not the protocol. */
    fault('malformed', {}),
    /** The model declines: `finish_reason: content_filter`. */
    fault('refusal', {}),
    /** The upstream's context-length error (400, `context_length_exceeded`). */
    fault('context_length', {}),
  ] as const;
}

const FAULT_KINDS = 'kinds: error, reset, stall, cut, malformed, refusal, context_length';

export const MockFaultSchema = z.discriminatedUnion('kind', mockFaults({}), {
  error: `expected "ok" or a fault such as { kind: error, status: 503 }; ${FAULT_KINDS}`,
});

export const MockRandomFaultSchema = z.discriminatedUnion('kind', mockFaults({ rate: Rate }), {
  error: `expected a fault with its probability, such as { rate: 0.3, kind: error, status: 503 }; ${FAULT_KINDS}`,
});

export type MockFault = z.output<typeof MockFaultSchema>;
export type MockRandomFault = z.output<typeof MockRandomFaultSchema>;
