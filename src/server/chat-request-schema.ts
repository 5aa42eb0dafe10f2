import { z } from 'zod';

/**
 * The inbound Chat Completions body. Checks the fields the gateway reads or that decide where the
 * request can go; every other field, and unknown fields inside messages, tools and
 * response_format, is kept as sent and forwarded (the upstream validates those).
 */

const ContentPartSchema = z.looseObject({ type: z.string({ error: 'expected a content part with a string `type`' }) });

const ContentSchema = z.union([z.string(), z.array(ContentPartSchema), z.null()], {
  error: 'expected a string, a list of content parts or null',
});

const ToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

export const MessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: ContentSchema.optional(),
  name: z.string().optional(),
  tool_calls: z.array(ToolCallSchema).optional(),
  tool_call_id: z.string().optional(),
});

const ToolSchema = z.looseObject({
  type: z.string(),
  function: z.looseObject({ name: z.string() }).optional(),
});

const ResponseFormatSchema = z.looseObject({
  type: z.string(),
});

const MetadataValueSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected metadata values to be strings',
});

const TokenCountSchema = z.number().int().nonnegative();

export const ChatCompletionsBodySchema = z.looseObject({
  model: z.string({ error: 'expected a model or router name' }).min(1, { error: 'expected a model or router name' }),
  messages: z.array(MessageSchema).min(1, { error: 'expected at least one message' }),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  metadata: z.record(z.string(), MetadataValueSchema).nullish(),
  tools: z.array(ToolSchema).nullish(),
  response_format: ResponseFormatSchema.nullish(),
  max_tokens: TokenCountSchema.nullish(),
  max_completion_tokens: TokenCountSchema.nullish(),
});
