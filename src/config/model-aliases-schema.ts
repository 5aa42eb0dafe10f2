import { z } from 'zod';

const GLOB_ERROR = 'expected a model name, or a glob with `*` (any run of characters) and `?` (one character), without spaces';

/** A glob on the model name a client sent (`claude-*haiku*`); `util/compile-glob.ts` says how it matches. */
export const ModelGlobSchema = z.string({ error: GLOB_ERROR }).regex(/^\S+$/, { error: GLOB_ERROR });

/**
 * `model_aliases`: requested model names (globs) → a router or model, first match in the order
 * written. Keys and targets are checked when the config is resolved (`resolve-model-aliases.ts`),
 * entry by entry, so one bad alias hides no other and an issue can point at the key itself.
 */
export const ModelAliasesSchema = z.record(z.string(), z.unknown(), {
  error: 'expected a map of requested model names (globs such as `claude-*`) to a router or model name',
});
