/** A model that grades answers: a cascade check, or the picker of a parallel policy. */
export type JudgeSpec = { model: string; rubric: string | undefined; threshold: number; timeoutMs: number };

/** Tests of an answer; each one set must pass. */
export type CheckSpec = {
  jsonSchema: boolean;
  regex: string | undefined;
  refusal: boolean;
  minLength: number | undefined;
  judge: JudgeSpec | undefined;
  logprobs: { min: number } | undefined;
};

export type PickSpec = { type: 'first' } | { type: 'judge'; judge: JudgeSpec } | { type: 'check'; check: CheckSpec };
