/**
 * The API dialects the gateway's edge speaks: the shape of the requests it takes and of the answers
 * and errors it sends. `responses` is OpenAI's Responses API (`POST /v1/responses`): OpenAI's error
 * shape, its own request and answer shapes.
 */
export type Dialect = 'openai' | 'anthropic' | 'responses';
