import { z } from 'zod';

/** Bytes as a number, or a string such as `512kb`, `32mb` (server limits and provider settings both take them). */
export const ByteSizeSchema = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(b|kb|mb|gb)?\s*$/i, { error: 'expected a size such as 1048576, "512kb" or "32mb"' })
    .transform(parseByteSize),
], { error: 'expected a size such as 1048576, "512kb" or "32mb"' });

function parseByteSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!match) return Number.NaN;
  const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  return Math.round(Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] ?? 1));
}
