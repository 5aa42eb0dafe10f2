/** The API dialects the gateway's edge speaks: the shape of the requests it takes and of the answers and errors it sends. */
export type Dialect = 'openai' | 'anthropic';
