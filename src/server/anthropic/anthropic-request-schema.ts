import { z } from 'zod';

/**
 * The inbound Messages body (Anthropic's `POST /v1/messages`). Checks the fields the edge reads to
 * build the canonical request; every other field, and unknown fields inside blocks and tools, is
 * kept as sent (the upstream validates those). The fields each block type needs are checked where
 * the block is converted (`convert-anthropic-request.ts`), with the block's path.
 */

const BlockSchema = z.looseObject({ type: z.string({ error: 'expected a content block with a string `type`' }) });

const ContentSchema = z.union([z.string(), z.array(BlockSchema)], { error: 'expected a string or a list of content blocks' });

const MessageSchema = z.looseObject({
  // `system` too: Claude Code sends its environment block as a system message, last.
  role: z.enum(['user', 'assistant', 'system']),
  content: ContentSchema,
});

const TextBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

const ToolSchema = z.looseObject({
  name: z.string({ error: 'expected a tool name' }),
  type: z.string().nullish(),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
});

const ToolChoiceSchema = z.looseObject({
  type: z.enum(['auto', 'any', 'none', 'tool']),
  name: z.string().optional(),
  disable_parallel_tool_use: z.boolean().nullish(),
});

export const MessagesBodySchema = z.looseObject({
  model: z.string({ error: 'expected a model or router name' }).min(1, { error: 'expected a model or router name' }),
  messages: z.array(MessageSchema),
  max_tokens: z.number().int().positive().optional(),
  system: z.union([z.string(), z.array(TextBlockSchema)], { error: 'expected a string or a list of text blocks' }).nullish(),
  stream: z.boolean().nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  tools: z.array(ToolSchema).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
});

export type MessagesBody = z.infer<typeof MessagesBodySchema>;
export type AnthropicBlock = z.infer<typeof BlockSchema>;
