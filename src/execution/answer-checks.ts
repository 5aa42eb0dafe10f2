import type { CheckSpec } from '../spec/check-spec.js';
import { compilePattern } from '../util/compile-pattern.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { ChatResult } from '../spec/chat-result.js';
import { firstChoiceText } from '../spec/create-chat-request.js';
import type { Attempt, CheckResult } from '../spec/trace.js';
import { isRecord } from '../util/json-guards.js';
import { validateJsonSchema } from '../util/validate-json-schema.js';
import type { Judge } from './judge.js';

export type Verdict = { passed: boolean; results: CheckResult[]; attempts: Attempt[] };

/** A cascade's or a parallel pick's check, compiled once at startup (its regex included). */
export type AnswerCheck = {
  /** The check reads token logprobs: the answering call must ask for them. */
  needsLogprobs: boolean;
  run(result: ChatResult, request: ChatRequest, judge: Judge, step: number | undefined): Promise<Verdict>;
};

/**
 * Phrases a model opens with when it declines. Only at the start of the answer, and only the
 * unambiguous ones: "I can't stress enough" is not a refusal, "I can't help with that" is.
 */
const REFUSAL =
  /^\s*(?:(?:i'm|i am)\s+(?:so\s+|very\s+)?sorry|sorry|unfortunately|apologies)?[,.!]?\s*(?:but\s+)?(?:i\s+(?:can(?:no|')?t|cannot|won't|will\s+not|am\s+(?:unable|not\s+able)|'m\s+(?:unable|not\s+able))\s+(?:help|assist|provide|comply|do\s+that|fulfil|support|answer|create|write|generate|share|engage)|as\s+an\s+ai\b[^.]*\b(?:can(?:no|')?t|cannot|unable))/iu;

const cache = new WeakMap<CheckSpec, AnswerCheck>();

/** Compiles a check (memoized per spec: routing and execution share one config object). */
export function compileCheck(spec: CheckSpec): AnswerCheck {
  const known = cache.get(spec);
  if (known) return known;
  const regex = spec.regex === undefined ? undefined : compilePattern(spec.regex);
  // The free checks run first; the judge costs a model call, so it runs only when they all passed.
  const free: ((result: ChatResult, request: ChatRequest) => CheckResult)[] = [];
  if (spec.refusal) free.push((result) => refusalCheck(result));
  if (spec.minLength !== undefined) {
    const min = spec.minLength;
    free.push((result) => {
      const length = [...answerText(result)].length;
      return { check: 'min_length', passed: length >= min, detail: `${length} characters (at least ${min})` };
    });
  }
  if (regex) {
    free.push((result) => {
      const passed = regex.test(answerText(result));
      return { check: 'regex', passed, detail: passed ? `matches ${spec.regex}` : `does not match ${spec.regex}` };
    });
  }
  if (spec.jsonSchema) free.push(jsonSchemaCheck);
  if (spec.logprobs) {
    const min = spec.logprobs.min;
    free.push((result) => logprobsCheck(result, min));
  }
  const check: AnswerCheck = {
    needsLogprobs: spec.logprobs !== undefined,
    async run(result, request, judge, step) {
      const results = free.map((test) => test(result, request));
      if (!results.every((item) => item.passed) || !spec.judge) return { passed: results.every((item) => item.passed), results, attempts: [] };
      const graded = await judge.grade(spec.judge, request, answerText(result), step);
      results.push(graded.result);
      return { passed: graded.result.passed, results, attempts: graded.attempts };
    },
  };
  cache.set(spec, check);
  return check;
}

/** What the answer says: its text, else its tool calls (name and arguments). */
export function answerText(result: ChatResult): string {
  const message = result.choices[0]?.message;
  if (!message) return '';
  const text = firstChoiceText(message.content);
  if (text !== '') return text;
  return (message.tool_calls ?? []).map((call) => `${call.function.name}(${call.function.arguments})`).join('\n');
}

/** A content-policy stop, a `refusal` field, or an answer that opens by declining. */
export function isRefusalResult(result: ChatResult): boolean {
  return refusalCheck(result).passed === false;
}

function refusalCheck(result: ChatResult): CheckResult {
  const choice = result.choices[0];
  if (!choice) return { check: 'refusal', passed: false, detail: 'no answer' };
  if (choice.finishReason.unified === 'content_filter') return { check: 'refusal', passed: false, detail: 'stopped by a content filter' };
  const refusal = choice.message['refusal'];
  if (typeof refusal === 'string' && refusal !== '') return { check: 'refusal', passed: false, detail: 'the model returned a refusal' };
  const opening = firstChoiceText(choice.message.content).slice(0, 300);
  if (REFUSAL.test(opening.replaceAll('’', "'"))) return { check: 'refusal', passed: false, detail: 'the answer declines the request' };
  return { check: 'refusal', passed: true };
}

/**
 * The answer against what the request asked for: tool-call arguments against the tool's
 * parameters, text against `response_format` (a `json_schema`, or any JSON object for
 * `json_object`). A request that asked for no JSON passes.
 */
function jsonSchemaCheck(result: ChatResult, request: ChatRequest): CheckResult {
  const message = result.choices[0]?.message;
  const calls = message?.tool_calls ?? [];
  if (calls.length > 0) {
    for (const call of calls) {
      const parsed = parseJson(call.function.arguments);
      if (!parsed.ok) return { check: 'json_schema', passed: false, detail: `the arguments of ${call.function.name} are not JSON: ${parsed.error}` };
      const tool = request.tools?.find((item) => item.function?.name === call.function.name);
      const problems = tool?.function?.parameters ? validateJsonSchema(tool.function.parameters, parsed.value, { maxErrors: 3 }) : [];
      if (problems.length > 0) return { check: 'json_schema', passed: false, detail: `the arguments of ${call.function.name}: ${problems.join('; ')}` };
    }
    return { check: 'json_schema', passed: true, detail: 'tool-call arguments are valid' };
  }
  const format = request.responseFormat;
  if (format?.type !== 'json_schema' && format?.type !== 'json_object') return { check: 'json_schema', passed: true, detail: 'the request asks for no JSON' };
  const parsed = parseJson(firstChoiceText(message?.content));
  if (!parsed.ok) return { check: 'json_schema', passed: false, detail: `not JSON: ${parsed.error}` };
  if (format.type === 'json_object' || format.json_schema?.schema === undefined) {
    return isRecord(parsed.value) ? { check: 'json_schema', passed: true } : { check: 'json_schema', passed: false, detail: 'not a JSON object' };
  }
  const problems = validateJsonSchema(format.json_schema.schema, parsed.value, { maxErrors: 3 });
  return problems.length === 0 ? { check: 'json_schema', passed: true } : { check: 'json_schema', passed: false, detail: problems.join('; ') };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Mean token probability (the exponential of the mean logprob) of the first choice. */
function logprobsCheck(result: ChatResult, min: number): CheckResult {
  const logprobs = result.choices[0]?.logprobs;
  const content = isRecord(logprobs) ? logprobs['content'] : undefined;
  const values = Array.isArray(content) ? content.map((token) => (isRecord(token) ? token['logprob'] : undefined)).filter((value): value is number => typeof value === 'number' && Number.isFinite(value)) : [];
  // Unknown confidence is not high confidence: without logprobs the answer escalates.
  if (values.length === 0) return { check: 'logprobs', passed: false, detail: 'the model returned no logprobs' };
  const mean = Math.exp(values.reduce((sum, value) => sum + value, 0) / values.length);
  const score = Math.round(mean * 10_000) / 10_000;
  return { check: 'logprobs', passed: score >= min, score, detail: `mean token probability ${score} (at least ${min})` };
}
