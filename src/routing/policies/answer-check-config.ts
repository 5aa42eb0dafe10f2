import { z } from 'zod';
import type { CheckSpec, JudgeSpec, PickSpec } from '../../spec/check-spec.js';
import { compilePattern } from '../../util/compile-pattern.js';
import { NonEmptyString, PositiveMilliseconds } from '../../util/schema-parts.js';
import type { PolicyPath, PolicyResolveContext } from './policy-definition.js';

/** How the policies that test answers (cascade, parallel) write their checks and judges in the config. */

/** A model that grades an answer with a rubric. */
const JudgeSchema = z.strictObject({
  model: NonEmptyString,
  rubric: NonEmptyString.optional(),
  /** The grade (0..1) an answer needs to pass. */
  threshold: z.number().min(0).max(1).default(0.7),
  timeout_ms: PositiveMilliseconds.default(15_000),
});

/** Tests of an answer; every one listed must pass. */
export const CheckSchema = z
  .strictObject({
    /** Valid JSON, and valid against the request's `response_format` schema when it has one. */
    json_schema: z.literal(true).optional(),
    /** The answer text matches this pattern. */
    regex: NonEmptyString.optional(),
    /** The model did not decline. */
    refusal: z.literal(true).optional(),
    /** The answer has at least this many characters. */
    min_length: z.number().int().positive().optional(),
    judge: JudgeSchema.optional(),
    /** Mean token probability at least `min` (requests logprobs from the model). */
    logprobs: z.strictObject({ min: z.number().gt(0).max(1) }).optional(),
  })
  .refine((check) => Object.values(check).some((value) => value !== undefined), {
    error: 'expected at least one of json_schema, regex, refusal, min_length, judge, logprobs',
  });

export const PickSchema = z.union(
  [
    z.literal('first'),
    z.strictObject({ judge: JudgeSchema.omit({ threshold: true }) }),
    z.strictObject({ check: CheckSchema }),
  ],
  { error: 'expected `first`, { judge: { model, rubric? } } or { check: { ... } }' },
);

type JudgeInput = z.output<typeof JudgeSchema>;

function resolveJudge(judge: JudgeInput, path: PolicyPath, context: PolicyResolveContext): JudgeSpec {
  context.checkModel(judge.model, [...path, 'model']);
  return { model: judge.model, rubric: judge.rubric, threshold: judge.threshold, timeoutMs: judge.timeout_ms };
}

export function resolveCheck(check: z.output<typeof CheckSchema>, path: PolicyPath, context: PolicyResolveContext): CheckSpec {
  if (check.regex !== undefined) {
    try {
      compilePattern(check.regex);
    } catch (error) {
      context.report([...path, 'regex'], `invalid regular expression: ${(error as Error).message}`);
    }
  }
  return {
    jsonSchema: check.json_schema === true,
    regex: check.regex,
    refusal: check.refusal === true,
    minLength: check.min_length,
    judge: check.judge ? resolveJudge(check.judge, [...path, 'judge'], context) : undefined,
    logprobs: check.logprobs,
  };
}

export function resolvePick(pick: z.output<typeof PickSchema>, path: PolicyPath, context: PolicyResolveContext): PickSpec {
  if (pick === 'first') return { type: 'first' };
  if ('judge' in pick) return { type: 'judge', judge: resolveJudge({ ...pick.judge, threshold: 0 }, [...path, 'judge'], context) };
  return { type: 'check', check: resolveCheck(pick.check, [...path, 'check'], context) };
}
