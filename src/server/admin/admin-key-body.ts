import { z } from 'zod';
import { InvalidRequestError } from '../../errors/request-errors.js';
import { parseBudget } from '../../keys/parse-budget.js';
import type { KeyLimits, VirtualKeyInput, VirtualKeyUpdate } from '../../keys/virtual-key.js';
import { describeZodIssues } from '../../util/describe-zod-issues.js';
import { parseTimestamp } from '../../util/parse-timestamp.js';

const Text = z.string().trim().min(1, { error: 'expected a non-empty string' }).max(200, { error: 'expected at most 200 characters' });
const Count = z.number().int().min(1, { error: 'expected an integer of at least 1' });
const Names = z.array(Text).min(1, { error: 'expected at least one name (null: any)' });

/**
 * The fields of `POST /admin/keys`, as the CLI's options: `budget` is `USD/PERIOD` (`25/month`),
 * `expires_at` an ISO time or epoch ms. Strict: a misspelt field of an admin call is an error,
 * not a limit silently left unset.
 */
const CreateKeySchema = z.strictObject({
  name: Text,
  team: Text.optional(),
  budget: z.string().optional(),
  rpm: Count.optional(),
  tpm: Count.optional(),
  max_concurrent: Count.optional(),
  routers: Names.optional(),
  models: Names.optional(),
  expires_at: z.union([z.string(), z.number().int().nonnegative()]).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  require_guard: z.boolean().optional(),
});

/** `PATCH /admin/keys/{id}`: the same fields, each optional; `null` clears one (but the name). */
const UpdateKeySchema = z.strictObject({
  name: Text.optional(),
  team: Text.nullable().optional(),
  budget: z.string().nullable().optional(),
  rpm: Count.nullable().optional(),
  tpm: Count.nullable().optional(),
  max_concurrent: Count.nullable().optional(),
  routers: Names.nullable().optional(),
  models: Names.nullable().optional(),
  expires_at: z.union([z.string(), z.number().int().nonnegative()]).nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  require_guard: z.boolean().nullable().optional(),
});

export function parseCreateKey(json: unknown): VirtualKeyInput {
  const body = validated(CreateKeySchema, json);
  const limits: KeyLimits = {};
  if (body.budget !== undefined) limits.budget = budgetOf(body.budget);
  if (body.rpm !== undefined) limits.rpm = body.rpm;
  if (body.tpm !== undefined) limits.tpm = body.tpm;
  if (body.max_concurrent !== undefined) limits.maxConcurrent = body.max_concurrent;
  return {
    name: body.name,
    team: body.team,
    expiresAt: body.expires_at === undefined ? undefined : expiresOf(body.expires_at),
    routers: body.routers,
    models: body.models,
    metadata: body.metadata,
    limits,
    requireGuard: body.require_guard,
  };
}

export function parseUpdateKey(json: unknown): VirtualKeyUpdate {
  const body = validated(UpdateKeySchema, json);
  const cleared = <T, R>(value: T | null | undefined, convert: (value: T) => R): R | null | undefined => (value === undefined ? undefined : value === null ? null : convert(value));
  const same = <T>(value: T): T => value;
  return {
    name: body.name,
    team: body.team,
    expiresAt: cleared(body.expires_at, expiresOf),
    routers: body.routers,
    models: body.models,
    metadata: body.metadata,
    requireGuard: body.require_guard,
    limits: { budget: cleared(body.budget, budgetOf), rpm: cleared(body.rpm, same), tpm: cleared(body.tpm, same), maxConcurrent: cleared(body.max_concurrent, same) },
  };
}

function validated<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const [first] = describeZodIssues(parsed.error.issues, json, schema);
  const param = first?.path.join('.') || undefined;
  throw new InvalidRequestError(`Invalid key: ${param ? `${param}: ` : ''}${first?.message ?? 'invalid body'}.`, param ? { param } : {});
}

function budgetOf(text: string): NonNullable<KeyLimits['budget']> {
  const budget = parseBudget(text);
  if ('error' in budget) throw new InvalidRequestError(`Invalid key: budget: ${budget.error}.`, { param: 'budget' });
  return budget;
}

function expiresOf(value: string | number): number {
  const time = typeof value === 'number' ? value : parseTimestamp(value);
  if (time === undefined) throw new InvalidRequestError(`Invalid key: expires_at: expected an ISO 8601 time or epoch milliseconds, found ${JSON.stringify(value)}.`, { param: 'expires_at' });
  return time;
}
