import type { ChatRequest } from '../../spec/chat-request.js';

/**
 * The upstream body: the client's fields verbatim, with the wire model id, the (possibly
 * rewritten) messages, and for streams `include_usage` switched on so cost can be counted.
 */
export function convertToOpenAIRequest(request: ChatRequest, wireModel: string, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { model: wireModel, messages: request.messages, ...request.passthrough };
  body['model'] = wireModel;
  body['messages'] = request.messages;
  if (stream) {
    body['stream'] = true;
    const clientOptions = request.passthrough['stream_options'];
    body['stream_options'] = { ...(typeof clientOptions === 'object' && clientOptions !== null ? clientOptions : {}), include_usage: true };
  } else {
    // OpenAI rejects stream_options on a non-streaming request.
    delete body['stream'];
    delete body['stream_options'];
  }
  return body;
}
