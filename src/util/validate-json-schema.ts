/**
 * A small JSON Schema validator for checking a model's answer against the schema a client sent in
 * `response_format` (the cascade policy escalates when the cheap model's answer does not match).
 *
 * Schemas come from clients, so they are untrusted: nothing is evaluated as code, recursion is
 * bounded (a `$ref` cycle or a deeply nested value ends in a reported problem, not a stack
 * overflow), total work is capped (branching `anyOf`s over `$ref`s can otherwise take exponential
 * time), and a bad `pattern` is ignored rather than thrown. Schemas are treated as immutable:
 * compiled patterns and resolved `$ref`s are cached per schema object.
 *
 * The point is judging the answer, not the schema: anything this validator cannot understand (an
 * unknown keyword, a keyword of the wrong type, an unresolvable `$ref`) accepts.
 */
import { isRecord, readNumber, type JsonRecord } from './json-guards.js';

const DEFAULT_MAX_ERRORS = 10;
/** Deepest value nesting that a schema may walk into; no structured answer needs more. */
const MAX_VALUE_DEPTH = 64;
/** Longest chain of subschemas (`$ref`, `anyOf`, `items`, ...) on one path; catches `$ref` cycles that consume no value. */
const MAX_SCHEMA_DEPTH = 512;
/** Subschema applications per call; keeps pathological schemas (exponential `anyOf` over `$ref`) off the event loop for long. */
const MAX_STEPS = 500_000;

type PathSegment = string | number;

interface Problem {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/** State shared by one whole validation, including the branches tried by `anyOf`/`oneOf`/`not`. */
interface Run {
  readonly root: JsonRecord;
  /** Where in the value we are; pushed and popped as the walk descends. */
  readonly path: PathSegment[];
  steps: number;
}

/** Where problems go; a branch probe gets its own sink with room for one. */
interface Sink {
  readonly problems: Problem[];
  readonly max: number;
}

/** A limit was hit: the whole validation stops, since the answer can no longer be judged. */
class LimitExceeded extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

/** Problems found, each with a JSON pointer of where; empty when the value is valid. Stops after `maxErrors` (default 10). */
export function validateJsonSchema(schema: unknown, value: unknown, options: { maxErrors?: number } = {}): string[] {
  const requested = options.maxErrors;
  const max = requested !== undefined && requested >= 1 ? Math.floor(requested) : DEFAULT_MAX_ERRORS;
  if (schema === false) return [formatProblem({ path: [], message: NOTHING_ALLOWED })];
  if (!isRecord(schema)) return [];
  const sink: Sink = { problems: [], max };
  try {
    validate(schema, value, { root: schema, path: [], steps: 0 }, sink, 0);
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    // Room is guaranteed: nothing is walked once the list is full, so no limit can be hit then.
    sink.problems.push(error.problem);
  }
  return sink.problems.map(formatProblem);
}

const NOTHING_ALLOWED = 'no value is allowed here (schema is false)';

function validate(schema: unknown, value: unknown, run: Run, sink: Sink, depth: number): void {
  if (isFull(sink)) return;
  if (schema === false) {
    fail(run, sink, NOTHING_ALLOWED);
    return;
  }
  // `true`, an unresolved `$ref` (undefined) or anything that is not a schema accepts.
  if (!isRecord(schema)) return;
  run.steps += 1;
  if (run.steps > MAX_STEPS) throw limit(run, `gave up after ${MAX_STEPS} schema steps (schema too complex for this value)`);
  if (depth > MAX_SCHEMA_DEPTH) throw limit(run, `schema recursion deeper than ${MAX_SCHEMA_DEPTH} levels (a $ref cycle?)`);
  if (run.path.length > MAX_VALUE_DEPTH) throw limit(run, `value nested deeper than ${MAX_VALUE_DEPTH} levels`);

  // OpenAPI 3.0 style: `nullable: true` adds null to whatever the rest of the schema allows.
  if (schema['nullable'] === true && value === null) return;

  const ref = schema['$ref'];
  // In 2020-12 `$ref` applies alongside its sibling keywords rather than replacing them.
  if (typeof ref === 'string') validate(resolveRef(run.root, ref), value, run, sink, depth + 1);
  if (isFull(sink)) return;

  checkType(schema, value, run, sink);
  checkEnumAndConst(schema, value, run, sink);
  if (isFull(sink)) return;

  if (typeof value === 'number') checkNumber(schema, value, run, sink);
  else if (typeof value === 'string') checkString(schema, value, run, sink);
  else if (Array.isArray(value)) checkArray(schema, value, run, sink, depth);
  else if (isRecord(value)) checkObject(schema, value, run, sink, depth);
  if (isFull(sink)) return;

  checkCombinators(schema, value, run, sink, depth);
}

// ---------------------------------------------------------------------------------------------
// Keywords

const TYPE_NAMES: ReadonlySet<string> = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);

function checkType(schema: JsonRecord, value: unknown, run: Run, sink: Sink): void {
  const declared = schema['type'];
  const listed = typeof declared === 'string' ? [declared] : Array.isArray(declared) ? declared : [];
  const names = listed.filter((name): name is string => typeof name === 'string' && TYPE_NAMES.has(name));
  if (names.length === 0) return;
  const found = typeName(value);
  const matches = names.some((name) => name === found || (name === 'integer' && found === 'number' && Number.isInteger(value)));
  if (!matches) fail(run, sink, `expected ${names.join(' or ')}, found ${found}`);
}

function checkEnumAndConst(schema: JsonRecord, value: unknown, run: Run, sink: Sink): void {
  const options = schema['enum'];
  if (Array.isArray(options) && !cacheFor(schema).enumKeys(options).has(canonicalKey(value))) {
    const shown = options.slice(0, 5).map(preview).join(', ');
    fail(run, sink, `expected one of ${shown}${options.length > 5 ? ', ...' : ''}; found ${preview(value)}`);
  }
  if (Object.hasOwn(schema, 'const')) {
    const expected = schema['const'];
    if (expected !== value && cacheFor(schema).constKey(expected) !== canonicalKey(value)) {
      const structured = typeof expected === 'object' && expected !== null;
      fail(run, sink, structured ? 'does not equal the const value' : `expected ${preview(expected)}, found ${preview(value)}`);
    }
  }
}

function checkNumber(schema: JsonRecord, value: number, run: Run, sink: Sink): void {
  const minimum = readNumber(schema['minimum']);
  const maximum = readNumber(schema['maximum']);
  const exclusiveMinimum = schema['exclusiveMinimum'];
  const exclusiveMaximum = schema['exclusiveMaximum'];
  // Draft 4 and OpenAPI 3.0 spell exclusivity as a boolean beside minimum/maximum.
  if (minimum !== undefined) {
    if (exclusiveMinimum === true ? !(value > minimum) : !(value >= minimum)) {
      fail(run, sink, `expected ${exclusiveMinimum === true ? 'more than' : 'at least'} ${minimum}, found ${value}`);
    }
  }
  if (maximum !== undefined) {
    if (exclusiveMaximum === true ? !(value < maximum) : !(value <= maximum)) {
      fail(run, sink, `expected ${exclusiveMaximum === true ? 'less than' : 'at most'} ${maximum}, found ${value}`);
    }
  }
  if (typeof exclusiveMinimum === 'number' && !(value > exclusiveMinimum)) {
    fail(run, sink, `expected more than ${exclusiveMinimum}, found ${value}`);
  }
  if (typeof exclusiveMaximum === 'number' && !(value < exclusiveMaximum)) {
    fail(run, sink, `expected less than ${exclusiveMaximum}, found ${value}`);
  }
  const multipleOf = readNumber(schema['multipleOf']);
  if (multipleOf !== undefined && multipleOf > 0 && !isMultipleOf(value, multipleOf)) {
    fail(run, sink, `expected a multiple of ${multipleOf}, found ${value}`);
  }
}

function isMultipleOf(value: number, divisor: number): boolean {
  const quotient = value / divisor;
  // Too large to tell an integer from a fraction: give the answer the benefit of the doubt.
  if (!Number.isFinite(quotient)) return true;
  // Decimal divisors are inexact in binary (0.3 / 0.1 = 2.9999999999999996), so allow a few ulps.
  return Math.abs(quotient - Math.round(quotient)) <= Math.abs(quotient) * Number.EPSILON * 4;
}

function checkString(schema: JsonRecord, value: string, run: Run, sink: Sink): void {
  const minLength = readNumber(schema['minLength']);
  const maxLength = readNumber(schema['maxLength']);
  if (minLength !== undefined || maxLength !== undefined) {
    const length = codePointLength(value);
    if (minLength !== undefined && length < minLength) {
      fail(run, sink, `expected at least ${plural(minLength, 'character')}, found ${length}`);
    }
    if (maxLength !== undefined && length > maxLength) {
      fail(run, sink, `expected at most ${plural(maxLength, 'character')}, found ${length}`);
    }
  }
  const pattern = schema['pattern'];
  if (typeof pattern === 'string') {
    const regex = cacheFor(schema).pattern(pattern);
    if (regex !== undefined && !regex.test(value)) fail(run, sink, `does not match pattern ${preview(pattern)}`);
  }
}

/** JSON Schema counts characters, not UTF-16 units: an emoji is one. */
function codePointLength(text: string): number {
  let count = 0;
  for (const _character of text) count += 1;
  return count;
}

function checkArray(schema: JsonRecord, value: readonly unknown[], run: Run, sink: Sink, depth: number): void {
  const minItems = readNumber(schema['minItems']);
  const maxItems = readNumber(schema['maxItems']);
  if (minItems !== undefined && value.length < minItems) {
    fail(run, sink, `expected at least ${plural(minItems, 'item')}, found ${value.length}`);
  }
  if (maxItems !== undefined && value.length > maxItems) {
    fail(run, sink, `expected at most ${plural(maxItems, 'item')}, found ${value.length}`);
  }
  if (schema['uniqueItems'] === true) {
    const seen = new Map<string, number>();
    for (const [index, item] of value.entries()) {
      const key = canonicalKey(item);
      const first = seen.get(key);
      if (first !== undefined) {
        fail(run, sink, `items ${first} and ${index} are equal (uniqueItems)`);
        break;
      }
      seen.set(key, index);
    }
  }
  if (isFull(sink)) return;

  let prefix = schema['prefixItems'];
  let rest = schema['items'];
  // Draft 7 spelled tuples as an `items` array, with `additionalItems` for the rest.
  if (prefix === undefined && Array.isArray(rest)) {
    prefix = rest;
    rest = schema['additionalItems'];
  }
  const prefixSchemas: readonly unknown[] = Array.isArray(prefix) ? prefix : [];
  const end = rest === undefined ? Math.min(value.length, prefixSchemas.length) : value.length;
  for (let index = 0; index < end; index++) {
    const itemSchema = index < prefixSchemas.length ? prefixSchemas[index] : rest;
    descend(run, index, () => validate(itemSchema, value[index], run, sink, depth + 1));
    if (isFull(sink)) return;
  }
}

function checkObject(schema: JsonRecord, value: JsonRecord, run: Run, sink: Sink, depth: number): void {
  const required = schema['required'];
  if (Array.isArray(required)) {
    for (const name of required) {
      if (typeof name === 'string' && !Object.hasOwn(value, name)) {
        fail(run, sink, `missing required property ${JSON.stringify(name)}`);
        if (isFull(sink)) return;
      }
    }
  }
  const keys = Object.keys(value);
  const minProperties = readNumber(schema['minProperties']);
  const maxProperties = readNumber(schema['maxProperties']);
  if (minProperties !== undefined && keys.length < minProperties) {
    fail(run, sink, `expected at least ${plural(minProperties, 'property', 'properties')}, found ${keys.length}`);
  }
  if (maxProperties !== undefined && keys.length > maxProperties) {
    fail(run, sink, `expected at most ${plural(maxProperties, 'property', 'properties')}, found ${keys.length}`);
  }
  if (isFull(sink)) return;

  const properties = isRecord(schema['properties']) ? schema['properties'] : undefined;
  const patterns = isRecord(schema['patternProperties']) ? cacheFor(schema).patternProperties(schema['patternProperties']) : [];
  const additional = schema['additionalProperties'];
  for (const key of keys) {
    const child = value[key];
    let matched = false;
    if (properties !== undefined && Object.hasOwn(properties, key)) {
      matched = true;
      descend(run, key, () => validate(properties[key], child, run, sink, depth + 1));
    }
    for (const { regex, schema: propertySchema } of patterns) {
      run.steps += 1;
      if (!regex.test(key)) continue;
      matched = true;
      descend(run, key, () => validate(propertySchema, child, run, sink, depth + 1));
    }
    if (!matched && additional !== undefined) {
      // Named at the object, since the fix is on the object: drop the key.
      if (additional === false) fail(run, sink, `unexpected property ${JSON.stringify(key)}`);
      else descend(run, key, () => validate(additional, child, run, sink, depth + 1));
    }
    if (isFull(sink)) return;
  }
}

function checkCombinators(schema: JsonRecord, value: unknown, run: Run, sink: Sink, depth: number): void {
  const allOf = schema['allOf'];
  if (Array.isArray(allOf)) {
    for (const branch of allOf) {
      validate(branch, value, run, sink, depth + 1);
      if (isFull(sink)) return;
    }
  }

  const anyOf = schema['anyOf'];
  if (Array.isArray(anyOf) && anyOf.length > 0) {
    let closest: Problem | undefined;
    for (const branch of anyOf) {
      const problem = probe(branch, value, run, depth);
      if (problem === undefined) {
        closest = undefined;
        break;
      }
      closest = closer(closest, problem);
    }
    if (closest !== undefined) fail(run, sink, `matches none of the ${anyOf.length} anyOf schemas (closest: ${formatProblem(closest)})`);
  }

  const oneOf = schema['oneOf'];
  if (Array.isArray(oneOf) && oneOf.length > 0) {
    const matching: number[] = [];
    let closest: Problem | undefined;
    for (const [index, branch] of oneOf.entries()) {
      const problem = probe(branch, value, run, depth);
      if (problem === undefined) matching.push(index);
      else closest = closer(closest, problem);
      // Two matches already decide the outcome; the rest need not be tried.
      if (matching.length === 2) break;
    }
    if (matching.length === 0 && closest !== undefined) {
      fail(run, sink, `matches none of the ${oneOf.length} oneOf schemas (closest: ${formatProblem(closest)})`);
    } else if (matching.length > 1) {
      fail(run, sink, `matches oneOf schemas ${matching.join(' and ')}; expected exactly one`);
    }
  }

  if (Object.hasOwn(schema, 'not') && probe(schema['not'], value, run, depth) === undefined) {
    fail(run, sink, 'matches the schema in "not"');
  }
}

/** Tries a branch without reporting: the first problem, or undefined when the value matches. */
function probe(branch: unknown, value: unknown, run: Run, depth: number): Problem | undefined {
  const branchSink: Sink = { problems: [], max: 1 };
  validate(branch, value, run, branchSink, depth + 1);
  return branchSink.problems[0];
}

/** The branch that got deeper into the value before failing is most likely the one that was meant. */
function closer(current: Problem | undefined, candidate: Problem): Problem {
  return current === undefined || candidate.path.length > current.path.length ? candidate : current;
}

// ---------------------------------------------------------------------------------------------
// $ref

/** Resolved targets per root schema; `undefined` means unresolvable, which accepts. */
const refCache = new WeakMap<JsonRecord, Map<string, unknown>>();

function resolveRef(root: JsonRecord, ref: string): unknown {
  let resolved = refCache.get(root);
  if (resolved === undefined) {
    resolved = new Map();
    refCache.set(root, resolved);
  }
  if (resolved.has(ref)) return resolved.get(ref);
  const target = lookUpRef(root, ref);
  resolved.set(ref, target);
  return target;
}

/** Only same-document refs: `#` and `#/json/pointer`. Remote refs, `$id`-relative refs and `$anchor`s are not resolved. */
function lookUpRef(root: JsonRecord, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let pointer: string;
  try {
    // The ref is a URI fragment: percent-decoding comes before JSON-pointer unescaping (RFC 6901 section 6).
    pointer = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let node: unknown = root;
  for (const escaped of pointer.slice(1).split('/')) {
    const token = escaped.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      if (!/^(?:0|[1-9]\d*)$/.test(token)) return undefined;
      node = node[Number(token)];
    } else if (isRecord(node) && Object.hasOwn(node, token)) {
      node = node[token];
    } else {
      return undefined;
    }
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// Per-schema caches: one schema is used to check many answers, so patterns compile once.

interface CompiledPattern {
  readonly regex: RegExp;
  readonly schema: unknown;
}

class SchemaCache {
  #pattern: RegExp | null | undefined;
  #patternProperties: readonly CompiledPattern[] | undefined;
  #enumKeys: ReadonlySet<string> | undefined;
  #constKey: string | undefined;

  /** The compiled `pattern`, or undefined when it does not compile (the keyword is then ignored). */
  pattern(source: string): RegExp | undefined {
    if (this.#pattern === undefined) this.#pattern = compilePattern(source) ?? null;
    return this.#pattern ?? undefined;
  }

  /** Entries whose pattern does not compile are dropped. */
  patternProperties(patterns: JsonRecord): readonly CompiledPattern[] {
    this.#patternProperties ??= Object.entries(patterns).flatMap(([source, schema]) => {
      const regex = compilePattern(source);
      return regex === undefined ? [] : [{ regex, schema }];
    });
    return this.#patternProperties;
  }

  enumKeys(options: readonly unknown[]): ReadonlySet<string> {
    this.#enumKeys ??= new Set(options.map(canonicalKey));
    return this.#enumKeys;
  }

  constKey(expected: unknown): string {
    this.#constKey ??= canonicalKey(expected);
    return this.#constKey;
  }
}

const schemaCaches = new WeakMap<JsonRecord, SchemaCache>();

function cacheFor(schema: JsonRecord): SchemaCache {
  let cache = schemaCaches.get(schema);
  if (cache === undefined) {
    cache = new SchemaCache();
    schemaCaches.set(schema, cache);
  }
  return cache;
}

function compilePattern(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'u');
  } catch {
    // Schemas in the wild escape characters that need no escaping (`\-`, `\/`), which only Unicode
    // mode rejects; the legacy syntax still checks what the author meant.
    try {
      return new RegExp(source);
    } catch {
      return undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Values

/** A string that is equal for equal JSON values (key order ignored), built without recursion so a deep value cannot overflow the stack. */
function canonicalKey(root: unknown): string {
  if (typeof root === 'string') return JSON.stringify(root);
  if (typeof root !== 'object' || root === null) return String(root);
  type Task = { readonly text: string } | { readonly value: unknown } | { readonly leave: object };
  const out: string[] = [];
  // Values built in code rather than parsed from JSON may share objects or contain cycles.
  const open = new Set<object>();
  const tasks: Task[] = [{ value: root }];
  for (let task = tasks.pop(); task !== undefined; task = tasks.pop()) {
    if ('text' in task) out.push(task.text);
    else if ('leave' in task) open.delete(task.leave);
    else if (typeof task.value === 'string') out.push(JSON.stringify(task.value));
    else if (typeof task.value !== 'object' || task.value === null) out.push(String(task.value));
    else if (open.has(task.value)) out.push('<cycle>');
    else if (Array.isArray(task.value)) {
      const items: readonly unknown[] = task.value;
      open.add(items);
      out.push('[');
      // Pushed in reverse so they pop in order.
      tasks.push({ leave: items }, { text: ']' });
      for (let index = items.length - 1; index >= 0; index--) {
        tasks.push({ value: items[index] });
        if (index > 0) tasks.push({ text: ',' });
      }
    } else if (isRecord(task.value)) {
      const record = task.value;
      open.add(record);
      out.push('{');
      tasks.push({ leave: record }, { text: '}' });
      const keys = Object.keys(record).sort().reverse();
      for (const [index, key] of keys.entries()) {
        tasks.push({ value: record[key] }, { text: `${JSON.stringify(key)}:` });
        if (index < keys.length - 1) tasks.push({ text: ',' });
      }
    }
  }
  return out.join('');
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A short rendering for messages; structures are named, not printed, so messages stay small. */
function preview(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

// ---------------------------------------------------------------------------------------------
// Problems

function isFull(sink: Sink): boolean {
  return sink.problems.length >= sink.max;
}

function fail(run: Run, sink: Sink, message: string): void {
  if (!isFull(sink)) sink.problems.push({ path: [...run.path], message });
}

function limit(run: Run, message: string): LimitExceeded {
  return new LimitExceeded({ path: [...run.path], message });
}

function descend(run: Run, segment: PathSegment, walk: () => void): void {
  run.path.push(segment);
  walk();
  run.path.pop();
}

function formatProblem(problem: Problem): string {
  return `${pointerOf(problem.path)}: ${problem.message}`;
}

function pointerOf(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(root)';
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
