import type { ChatRequest } from '../../spec/chat-request.js';
import { dropThoughtSignatures } from '../shared/drop-thought-signatures.js';
import { stripOtherDialect } from './strip-other-dialect.js';
import { merged } from '../../util/merged.js';

/** The upstream body, and what of the request it could not carry (recorded on the Attempt). */
export type OpenAIRequestBody = { body: Record<string, unknown>; warnings: string[] | undefined };

/**
 * The upstream body: the client's fields verbatim, with the wire model id, the (possibly
 * rewritten) messages, and for streams `include_usage` switched on so cost can be counted. A
 * request that came in another dialect loses, with a warning each, what Chat Completions cannot say.
 */
export function convertToOpenAIRequest(request: ChatRequest, wireModel: string, stream: boolean): OpenAIRequestBody {
  const converted = request.dialect === undefined || request.dialect === 'openai' ? undefined : stripOtherDialect(request);
  const unsigned = dropThoughtSignatures(converted?.messages ?? request.messages);
  const body: Record<string, unknown> = { model: wireModel, messages: request.messages, ...request.passthrough };
  body['model'] = wireModel;
  body['messages'] = unsigned.messages;
  if (converted?.tools && converted.tools.length > 0) body['tools'] = converted.tools;
  else if (converted?.tools) {
    // Every tool was one the upstream cannot run: without tools, Chat Completions refuses these settings.
    delete body['tools'];
    delete body['tool_choice'];
    delete body['parallel_tool_calls'];
  }
  if (stream) {
    body['stream'] = true;
    const clientOptions = request.passthrough['stream_options'];
    body['stream_options'] = merged(typeof clientOptions === 'object' && clientOptions !== null ? clientOptions : {}, { include_usage: true });
  } else {
    // OpenAI rejects stream_options on a non-streaming request.
    delete body['stream'];
    delete body['stream_options'];
  }
  const warnings = [...(converted?.warnings ?? []), ...(unsigned.warning === undefined ? [] : [unsigned.warning])];
  return { body, warnings: warnings.length > 0 ? warnings : undefined };
}
