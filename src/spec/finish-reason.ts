export type UnifiedFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call' | 'other';

/** `unified` for logic and metrics; `raw` as the provider sent it. An unknown reason is `other`, never `stop`. */
export type FinishReason = {
  unified: UnifiedFinishReason;
  raw: string | undefined;
  /** The stop sequence that ended the answer, when the provider says which (Anthropic's `stop_sequence`). */
  stopSequence?: string;
};
