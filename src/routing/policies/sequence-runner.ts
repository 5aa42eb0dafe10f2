import { executeGenerate, executeStream } from '../../execution/executor.js';
import type { PolicyRunner } from './policy-definition.js';

/** Runs a one-step plan: its models in turn until one answers (failover, retries, breakers). */
export const sequenceRunner: PolicyRunner = {
  generate: (steps, request, context, options) => executeGenerate(steps[0]?.specs ?? [], request, context, options),
  stream: (steps, request, context, options) => executeStream(steps[0]?.specs ?? [], request, context, options),
};
