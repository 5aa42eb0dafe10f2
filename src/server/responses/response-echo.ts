import type { ResponsesBody } from './responses-request-schema.js';

/**
 * The fields of a Response object that repeat the request (as OpenAI's do), with the API's
 * defaults for what the client left out: the same for the JSON answer, every stream event that
 * carries the response, and what is stored for `previous_response_id`.
 */
export function responseEcho(body: ResponsesBody): Record<string, unknown> {
  const text = body.text ?? {};
  return {
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { ...body.reasoning, effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: body.store ?? true,
    temperature: body.temperature ?? null,
    text: { ...text, format: text.format ?? { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? null,
    truncation: body['truncation'] ?? 'disabled',
    ...(typeof body.user === 'string' ? { user: body.user } : {}),
    metadata: body.metadata ?? {},
  };
}
