import type { JudgeSpec } from '../spec/check-spec.js';
import { extractRoutingText } from '../features/extract-routing-text.js';
import type { ChatRequest } from '../spec/chat-request.js';
import { createStructuredRequest, firstChoiceText } from '../spec/create-chat-request.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Attempt, CheckResult } from '../spec/trace.js';
import { executeGenerate, type ExecutionContext } from './executor.js';
import { Cancellation } from '../util/cancellation.js';

/** How much of the request and of each answer a judge reads: bounds what one judgement can cost. */
const QUOTE_CHARS = 8_000;

const DEFAULT_RUBRIC = 'The answer is correct, complete, and does what the user asked.';

/**
 * A catalog model that grades answers: through the executor like any call (retries, breakers),
 * bounded by the judge's timeout, and parsed strictly. A judge that fails or answers nonsense
 * says so; the caller decides what that means (a cascade escalates, a pick keeps the first answer).
 */
export class Judge {
  constructor(
    private readonly context: ExecutionContext,
    private readonly catalog: ReadonlyMap<string, ModelSpec>,
  ) {}

  /** Grades one answer 0..1; passes at the judge's threshold. */
  async grade(judge: JudgeSpec, request: ChatRequest, answer: string, step: number | undefined): Promise<{ result: CheckResult; attempts: Attempt[] }> {
    const spec = this.catalog.get(judge.model) as ModelSpec;
    const messages = [
      {
        role: 'system' as const,
        content: `You grade the answers of an AI assistant against a rubric.\nRubric: ${judge.rubric ?? DEFAULT_RUBRIC}\nReply with JSON {"score": S}, where S is a number from 0 (fails the rubric) to 1 (fully meets it), and nothing else.`,
      },
      { role: 'user' as const, content: `The user's request:\n<<<\n${quote(request)}\n>>>\n\nThe assistant's answer:\n<<<\n${answer.slice(0, QUOTE_CHARS)}\n>>>` },
    ];
    const schema = spec.capabilities.jsonSchema === true ? { name: 'grade', schema: objectWith('score', { type: 'number' }) } : undefined;
    const call = await this.ask(spec, createStructuredRequest(judge.model, messages, schema, 20), judge.timeoutMs, step);
    if (!call.ok) return { result: { check: 'judge', passed: false, detail: `the judge ${judge.model} failed: ${call.detail}` }, attempts: call.attempts };
    const score = readField(call.text, 'score');
    if (score === undefined || score < 0 || score > 1) {
      return { result: { check: 'judge', passed: false, detail: `the judge ${judge.model} answered ${JSON.stringify(call.text.slice(0, 80))}, not a score from 0 to 1` }, attempts: call.attempts };
    }
    const passed = score >= judge.threshold;
    return { result: { check: 'judge', passed, score, detail: `${judge.model} graded ${score} (pass at ${judge.threshold})` }, attempts: call.attempts };
  }

  /** Which of several answers is best: its index, or why there is none. */
  async pick(judge: JudgeSpec, request: ChatRequest, answers: readonly string[]): Promise<{ index: number | undefined; detail: string; attempts: Attempt[] }> {
    const spec = this.catalog.get(judge.model) as ModelSpec;
    const listed = answers.map((answer, index) => `Answer ${index + 1}:\n<<<\n${answer.slice(0, QUOTE_CHARS)}\n>>>`).join('\n\n');
    const messages = [
      {
        role: 'system' as const,
        content: `You compare answers of AI assistants to the same request.\nRubric: ${judge.rubric ?? DEFAULT_RUBRIC}\nReply with JSON {"best": N}, where N is the number of the answer that meets the rubric best, and nothing else.`,
      },
      { role: 'user' as const, content: `The user's request:\n<<<\n${quote(request)}\n>>>\n\n${listed}` },
    ];
    const schema = spec.capabilities.jsonSchema === true ? { name: 'pick', schema: objectWith('best', { type: 'integer' }) } : undefined;
    const call = await this.ask(spec, createStructuredRequest(judge.model, messages, schema, 20), judge.timeoutMs, undefined);
    if (!call.ok) return { index: undefined, detail: `the judge ${judge.model} failed: ${call.detail}`, attempts: call.attempts };
    const best = readField(call.text, 'best');
    if (best === undefined || !Number.isInteger(best) || best < 1 || best > answers.length) {
      return { index: undefined, detail: `the judge ${judge.model} answered ${JSON.stringify(call.text.slice(0, 80))}, not an answer number from 1 to ${answers.length}`, attempts: call.attempts };
    }
    return { index: best - 1, detail: `${judge.model} picked answer ${best} of ${answers.length}`, attempts: call.attempts };
  }

  private async ask(
    spec: ModelSpec,
    request: ChatRequest,
    timeoutMs: number,
    step: number | undefined,
  ): Promise<{ ok: true; text: string; attempts: Attempt[] } | { ok: false; detail: string; attempts: Attempt[] }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const context = { ...this.context, cancellation: Cancellation.of(AbortSignal.any([this.context.cancellation.signal, timeout])) };
    const call = await executeGenerate([spec], request, context, { failoverOnContentFilter: false, role: 'judge', step });
    if (!call.ok) {
      const detail = timeout.aborted && !this.context.cancellation.aborted ? `no answer within ${timeoutMs} ms` : call.error.message;
      return { ok: false, detail, attempts: call.attempts };
    }
    return { ok: true, text: firstChoiceText(call.result.choices[0]?.message.content), attempts: call.attempts };
  }
}

function quote(request: ChatRequest): string {
  return extractRoutingText(request.messages, 'last_user').slice(0, QUOTE_CHARS);
}

function objectWith(field: string, type: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', properties: { [field]: type }, required: [field], additionalProperties: false };
}

/** `{"field": n}` or a bare number; anything else is undefined. */
function readField(text: string, field: string): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  try {
    const json: unknown = JSON.parse(trimmed);
    const value = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[field] : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
