import { z } from 'zod';
import { extractRoutingText } from '../../features/extract-routing-text.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import { createStructuredRequest } from '../../spec/create-chat-request.js';
import type { ModelSpec } from '../../spec/model-spec.js';

/** How much of the request and of each answer the judge reads: bounds what one judgement can cost. */
export const JUDGE_QUOTE_CHARS = 6_000;
/** The judge's output cap: two numbers and a sentence. */
export const JUDGE_MAX_TOKENS = 200;

/** What the judge must answer, exactly: anything else is `judge_invalid`. */
const VerdictSchema = z.strictObject({
  a: z.number().min(0).max(10),
  b: z.number().min(0).max(10),
  reason: z.string(),
});

const VERDICT_JSON_SCHEMA = {
  type: 'object',
  properties: { a: { type: 'number' }, b: { type: 'number' }, reason: { type: 'string' } },
  required: ['a', 'b', 'reason'],
  additionalProperties: false,
};

/**
 * The judge's request: the user's request and two answers as A and B, in the order drawn for this
 * judgement (`servedFirst`: the served answer is A), so that a judge that favours a position favours
 * the served and the alternative answers alike over many judgements.
 */
export function judgeRequest(judge: ModelSpec, rubric: string, request: ChatRequest, served: string, alternative: string, servedFirst: boolean): ChatRequest {
  const [a, b] = servedFirst ? [served, alternative] : [alternative, served];
  const messages = [
    {
      role: 'system' as const,
      content: `You compare two answers of AI assistants to the same request.\nRubric: ${rubric}\nScore each answer from 0 (fails the rubric) to 10 (fully meets it). Reply with JSON {"a": SCORE_OF_A, "b": SCORE_OF_B, "reason": "one short sentence"} and nothing else.`,
    },
    { role: 'user' as const, content: `The user's request:\n<<<\n${quote(extractRoutingText(request.messages, 'last_user'))}\n>>>\n\nAnswer A:\n<<<\n${quote(a)}\n>>>\n\nAnswer B:\n<<<\n${quote(b)}\n>>>` },
  ];
  const schema = judge.capabilities.jsonSchema === true ? { name: 'verdict', schema: VERDICT_JSON_SCHEMA } : undefined;
  return createStructuredRequest(judge.name, messages, schema, JUDGE_MAX_TOKENS);
}

/** The judge's scores in [0, 1] for the served and the alternative answer, or undefined when its answer is not exactly the verdict JSON. */
export function readVerdict(text: string, servedFirst: boolean): { served: number; alternative: number } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const verdict = VerdictSchema.safeParse(json);
  if (!verdict.success) return undefined;
  const { a, b } = verdict.data;
  return servedFirst ? { served: a / 10, alternative: b / 10 } : { served: b / 10, alternative: a / 10 };
}

function quote(text: string): string {
  return text.slice(0, JUDGE_QUOTE_CHARS);
}
