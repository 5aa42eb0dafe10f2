/** A route's `when`, as the config gives it (`config/config-schema.ts#ConditionSchema` checks it). */
export type ConditionInput = {
  requested_model?: string | string[] | undefined;
  has_tools?: boolean | undefined;
  has_images?: boolean | undefined;
  thinking?: boolean | undefined;
  keywords?: string[] | undefined;
  regex?: string[] | undefined;
  metadata?: Record<string, string | string[]> | undefined;
  complexity?: { min?: number | undefined; max?: number | undefined } | undefined;
  examples?: string[] | undefined;
  threshold?: number | undefined;
  min_tokens?: number | undefined;
  max_tokens?: number | undefined;
  any?: ConditionInput[] | undefined;
  all?: ConditionInput[] | undefined;
  not?: ConditionInput | undefined;
};
