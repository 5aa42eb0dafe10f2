export type ConfigPath = readonly (string | number)[];

export type UnsetVariable = { path: ConfigPath; variable: string };

const REFERENCE = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed config; `$${` stays a
 * literal `${`. A variable that is unset or empty becomes "" and is reported with its path, so the
 * caller decides what that means there (a disabled provider, a config error, or under `auth: none`
 * a dropped gateway key).
 */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; unset: UnsetVariable[] } {
  const unset: UnsetVariable[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return substitute(node, path);
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      // No prototype: a "__proto__" key in YAML stays an ordinary key (and is then rejected as a name).
      const out = Object.create(null) as Record<string, unknown>;
      for (const [key, child] of Object.entries(node)) out[key] = walk(child, [...path, key]);
      return out;
    }
    return node;
  };
  const substitute = (text: string, path: (string | number)[]): string => {
    if (!text.includes('${')) return text;
    return text.replace(REFERENCE, (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
      if (escaped !== undefined) return whole.slice(1);
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      unset.push({ path, variable: name });
      return '';
    });
  };
  return { value: walk(value, []), unset };
}
