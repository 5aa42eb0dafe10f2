/**
 * Compiles globs on names (`claude-*haiku*`): `*` matches any run of characters (none included),
 * `?` exactly one, everything else is literal; a glob matches the whole name, ignoring case
 * (clients send `Claude-3-5-Haiku` as well as `claude-3-5-haiku`). The returned function gives the
 * index of the first glob, in the order given, that matches.
 *
 * Not a regex: a pattern with several `*` (`.*a.*b`) backtracks polynomially on a long name, and
 * the name is whatever the client sent. Here the literal runs between stars are found leftmost in
 * turn, which is correct for `*` and takes time linear in the name for each run.
 */
export function compileGlobs(globs: readonly string[]): (name: string) => number | undefined {
  const matchers = globs.map(compileGlob);
  return (name) => {
    const lowered = name.toLowerCase();
    const index = matchers.findIndex((matches) => matches(lowered));
    return index === -1 ? undefined : index;
  };
}

/** A matcher of lowercased names. */
function compileGlob(glob: string): (name: string) => boolean {
  const runs = glob.toLowerCase().split('*');
  const first = runs[0] ?? '';
  if (runs.length === 1) return (name) => name.length === first.length && runMatchesAt(name, 0, first);
  const last = runs[runs.length - 1] ?? '';
  const middle = runs.slice(1, -1).filter((run) => run !== '');
  const minLength = runs.reduce((sum, run) => sum + run.length, 0);
  return (name) => {
    if (name.length < minLength || !runMatchesAt(name, 0, first)) return false;
    const end = name.length - last.length;
    if (!runMatchesAt(name, end, last)) return false;
    let position = first.length;
    for (const run of middle) {
      const found = findRun(name, run, position, end);
      if (found === -1) return false;
      position = found + run.length;
    }
    return true;
  };
}

/** A literal run, where `?` stands for any one character, matches `name` at `start`. */
function runMatchesAt(name: string, start: number, run: string): boolean {
  for (let index = 0; index < run.length; index++) {
    const char = run[index];
    if (char !== '?' && char !== name[start + index]) return false;
  }
  return true;
}

/** The leftmost place at or after `from` where `run` matches and ends by `end`, or -1. */
function findRun(name: string, run: string, from: number, end: number): number {
  if (!run.includes('?')) {
    const found = name.indexOf(run, from);
    return found !== -1 && found + run.length <= end ? found : -1;
  }
  for (let start = from; start + run.length <= end; start++) if (runMatchesAt(name, start, run)) return start;
  return -1;
}
