import type { z } from 'zod';
import { closestName, describeValue } from './describe-value.js';

/** A problem with a value at a path (of a config or a request body), before it is given a position. */
export type ValueIssue = { path: (string | number)[]; message: string; atKey?: boolean };

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
};

/**
 * Turns zod issues into messages that say what was expected and what was found, and for an
 * unknown key, which keys are allowed (with a "did you mean" for likely typos).
 */
export function describeZodIssues(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  schema: z.ZodType,
): ValueIssue[] {
  const out: ValueIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    const found = valueAt(root, path);
    const inner = fittingBranch(issue, path);
    if (inner) {
      out.push(...describeZodIssues(inner, root, schema));
      continue;
    }
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeysAt(schema, root, path);
        for (const key of issue.keys) {
          const suggestion = allowed ? closestName(key, allowed) : undefined;
          const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
          const list = allowed ? `; allowed keys: ${allowed.join(', ')}` : '';
          out.push({ path: [...path, key], message: `unknown key "${key}"${hint}${list}`, atKey: true });
        }
        break;
      }
      case 'invalid_type': {
        const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
        out.push({ path, message: found === undefined ? `missing: expected ${expected}` : `expected ${expected}, found ${describeValue(found)}` });
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map((value) => JSON.stringify(value)).join(', ');
        const expected = issue.values.length === 1 ? values : `one of ${values}`;
        out.push({ path, message: `expected ${expected}, found ${describeValue(found)}` });
        break;
      }
      case 'invalid_union': {
        const details = issue as { note?: unknown; discriminator?: unknown; options?: unknown };
        if (typeof details.discriminator === 'string' && details.note === 'No matching discriminator') {
          const options = Array.isArray(details.options) ? details.options.map((value: unknown) => JSON.stringify(value)).join(', ') : '';
          out.push({
            path,
            message:
              found === undefined
                ? `missing: expected one of ${options}`
                : `unsupported value ${describeValue(found)}; supported: ${options}`,
          });
          break;
        }
        out.push({ path, message: found === undefined ? `missing: ${issue.message}` : `${issue.message}, found ${describeValue(found)}` });
        break;
      }
      default:
        out.push({ path, message: found === undefined ? issue.message : `${issue.message}, found ${describeValue(found)}` });
    }
  }
  return out;
}

/**
 * When a value failed a union but has the shape of exactly one of its options (that option's
 * problems are all inside the value, none about the value itself: its type or its keys), the
 * problems of that option, with full paths: "parallel.pick: expected ..." says more than "expected
 * a model name or a policy object".
 */
function fittingBranch(issue: z.core.$ZodIssue, path: readonly (string | number)[]): z.core.$ZodIssue[] | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const branches = (issue as { errors?: unknown }).errors;
  if (!Array.isArray(branches)) return undefined;
  const fitting = (branches as z.core.$ZodIssue[][]).filter((branch) => branch.length > 0 && branch.every((inner) => inner.path.length > 0));
  if (fitting.length !== 1) return undefined;
  return (fitting[0] as z.core.$ZodIssue[]).map((inner) => ({ ...inner, path: [...path, ...inner.path] }));
}

export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

type Def = { type: string; [key: string]: unknown };

function defOf(schema: unknown): Def | undefined {
  const internals = (schema as { _zod?: { def?: Def } } | undefined)?._zod;
  return internals?.def;
}

/** The keys the schema allows for the object at `path`, or undefined if it cannot tell. */
function allowedKeysAt(schema: z.ZodType, root: unknown, path: readonly (string | number)[]): string[] | undefined {
  let current: unknown = schema;
  for (let index = 0; index <= path.length; index++) {
    current = unwrap(current, valueAt(root, path.slice(0, index)));
    const def = defOf(current);
    if (!def) return undefined;
    if (index === path.length) {
      return def.type === 'object' ? Object.keys(def['shape'] as Record<string, unknown>) : undefined;
    }
    const segment = path[index];
    if (def.type === 'object') current = (def['shape'] as Record<string, unknown>)[String(segment)];
    else if (def.type === 'record') current = def['valueType'];
    else if (def.type === 'array') current = def['element'];
    else return undefined;
  }
  return undefined;
}

/** Strips wrappers (optional, default, pipe, lazy, ...) and picks the union option matching the data. */
function unwrap(schema: unknown, value: unknown): unknown {
  let current = schema;
  for (let guard = 0; guard < 20; guard++) {
    const def = defOf(current);
    if (!def) return current;
    if ('innerType' in def) current = def['innerType'];
    else if (def.type === 'pipe') current = def['in'];
    else if (def.type === 'lazy') current = (def['getter'] as () => unknown)();
    else if (def.type === 'union') {
      const options = def['options'] as unknown[];
      const discriminator = def['discriminator'];
      const objectOptions = options.filter((option) => defOf(unwrap(option, value))?.type === 'object');
      if (typeof discriminator === 'string' && value !== null && typeof value === 'object') {
        const tag = (value as Record<string, unknown>)[discriminator];
        const match = objectOptions.find((option) => {
          const shape = defOf(unwrap(option, value))?.['shape'] as Record<string, unknown> | undefined;
          const literal = defOf(shape?.[discriminator]);
          return Array.isArray(literal?.['values']) && (literal['values'] as unknown[]).includes(tag);
        });
        return match === undefined ? undefined : unwrap(match, value);
      }
      if (value !== null && typeof value === 'object' && objectOptions.length === 1) return unwrap(objectOptions[0], value);
      return undefined;
    } else return current;
  }
  return current;
}
