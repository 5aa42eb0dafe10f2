import { compileGlobs } from '../util/compile-glob.js';

/** One `model_aliases` entry: requests for a model matching `glob` go to `target` (a router or model). */
export type ModelAlias = { glob: string; target: string };

/** The `model_aliases` of a config, compiled once; `routing.ts` consults it only for names that are no router or model. */
export type ModelAliases = {
  readonly entries: readonly ModelAlias[];
  /** The target of the first entry, in the order written, whose glob matches `model`. */
  lookup(model: string): string | undefined;
};

export function compileModelAliases(entries: readonly ModelAlias[]): ModelAliases {
  const first = compileGlobs(entries.map((entry) => entry.glob));
  return {
    entries,
    lookup: (model) => {
      const index = first(model);
      return index === undefined ? undefined : entries[index]?.target;
    },
  };
}
