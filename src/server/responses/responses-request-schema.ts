import { z } from 'zod';

/**
 * The inbound Responses body (OpenAI's `POST /v1/responses`). Checks the fields the edge reads to
 * build the canonical request; every other field, and unknown fields inside items and tools, is
 * kept as sent. The fields each input item needs are checked where the item is converted
 * (`convert-responses-input.ts`), with the item's path.
 */

/** An input item: typed, or a message without `type` (`EasyInputMessage`), or an `item_reference` without `type`. */
const ItemSchema = z.looseObject({ type: z.string({ error: 'expected an input item with a string `type`' }).optional() });

const ToolSchema = z.looseObject({
  type: z.string({ error: 'expected a tool with a string `type`' }),
  name: z.string({ error: 'expected a function name' }).optional(),
});

const ToolChoiceSchema = z.union(
  [z.enum(['auto', 'none', 'required']), z.looseObject({ type: z.string({ error: 'expected a tool choice with a string `type`' }) })],
  { error: 'expected "auto", "none", "required" or a tool choice object' },
);

const TextSchema = z.looseObject({ format: z.looseObject({ type: z.string({ error: 'expected a format with a string `type`' }) }).nullish() });

const ReasoningSchema = z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() });

export const ResponsesBodySchema = z.looseObject({
  model: z.string({ error: 'expected a model or router name' }).min(1, { error: 'expected a model or router name' }),
  input: z.union([z.string(), z.array(ItemSchema)], { error: 'expected a string or a list of input items' }),
  instructions: z.string({ error: 'expected a string' }).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1, { error: 'expected a response id' }).nullish(),
  tools: z.array(ToolSchema).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  text: TextSchema.nullish(),
  reasoning: ReasoningSchema.nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  metadata: z.record(z.string(), z.string({ error: 'expected metadata values to be strings' })).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  user: z.string().nullish(),
});

export type ResponsesBody = z.infer<typeof ResponsesBodySchema>;
export type ResponsesItem = Record<string, unknown>;
