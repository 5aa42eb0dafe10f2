import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateJsonSchema } from './validate-json-schema.js';

/** Shorthand: the problems for one value. */
const check = (schema: unknown, value: unknown): string[] => validateJsonSchema(schema, value);

/** `[[[...[leaf]...]]]` built without recursion, `depth` arrays deep. */
function nestedArray(depth: number, leaf: unknown): unknown {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

describe('validateJsonSchema: type', () => {
  it.each([
    ['string', 'hi', 1],
    ['number', 1.5, '1.5'],
    ['boolean', false, 0],
    ['null', null, 0],
    ['object', {}, []],
    ['array', [], {}],
  ])('accepts a %s and rejects anything else', (type, good, bad) => {
    expect(check({ type }, good)).toEqual([]);
    expect(check({ type }, bad)).toHaveLength(1);
  });

  it('names what it expected and what it found', () => {
    expect(check({ type: 'number' }, 'x')).toEqual(['(root): expected number, found string']);
    expect(check({ type: 'object' }, [])).toEqual(['(root): expected object, found array']);
    expect(check({ type: 'string' }, null)).toEqual(['(root): expected string, found null']);
  });

  it('treats integer as a number with no fraction', () => {
    expect(check({ type: 'integer' }, 3)).toEqual([]);
    expect(check({ type: 'integer' }, 3.0)).toEqual([]);
    expect(check({ type: 'integer' }, 3.5)).toEqual(['(root): expected integer, found number']);
    expect(check({ type: 'integer' }, '3')).toEqual(['(root): expected integer, found string']);
    // A number schema accepts integers too.
    expect(check({ type: 'number' }, 3)).toEqual([]);
  });

  it('accepts any of a list of types', () => {
    const schema = { type: ['string', 'null'] };
    expect(check(schema, 'a')).toEqual([]);
    expect(check(schema, null)).toEqual([]);
    expect(check(schema, 1)).toEqual(['(root): expected string or null, found number']);
  });

  it('ignores type names it does not know rather than rejecting everything', () => {
    expect(check({ type: 'date' }, 'x')).toEqual([]);
    expect(check({ type: ['date', 'string'] }, 1)).toEqual(['(root): expected string, found number']);
  });
});

describe('validateJsonSchema: objects', () => {
  it('reports a missing required property at the object', () => {
    const schema = { type: 'object', required: ['name', 'age'], properties: { name: { type: 'string' } } };
    expect(check(schema, { name: 'a', age: 1 })).toEqual([]);
    expect(check(schema, { age: 1 })).toEqual(['(root): missing required property "name"']);
  });

  it('checks properties with a pointer into the value', () => {
    const schema = {
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object', properties: { price: { type: 'number' } } } } },
    };
    expect(check(schema, { items: [{ price: 1 }, { price: 2.5 }] })).toEqual([]);
    expect(check(schema, { items: [{ price: '1' }] })).toEqual(['/items/0/price: expected number, found string']);
    expect(check(schema, { items: [{ price: 1 }, { price: null }] })).toEqual(['/items/1/price: expected number, found null']);
  });

  it('escapes ~ and / in the pointer', () => {
    const schema = { properties: { 'a/b': { type: 'string' }, 'c~d': { type: 'string' } } };
    expect(check(schema, { 'a/b': 1, 'c~d': 2 })).toEqual(['/a~1b: expected string, found number', '/c~0d: expected string, found number']);
  });

  it('rejects extra properties when additionalProperties is false', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, additionalProperties: false };
    expect(check(schema, { a: 1 })).toEqual([]);
    expect(check(schema, { a: 1, b: 2 })).toEqual(['(root): unexpected property "b"']);
  });

  it('checks extra properties against an additionalProperties schema', () => {
    const schema = { properties: { a: { type: 'string' } }, additionalProperties: { type: 'number' } };
    expect(check(schema, { a: 'x', b: 2 })).toEqual([]);
    expect(check(schema, { a: 'x', b: 'two' })).toEqual(['/b: expected number, found string']);
  });

  it('checks patternProperties, and they count as known for additionalProperties', () => {
    const schema = { patternProperties: { '^x-': { type: 'string' } }, additionalProperties: false };
    expect(check(schema, { 'x-trace': 'abc' })).toEqual([]);
    expect(check(schema, { 'x-trace': 1 })).toEqual(['/x-trace: expected string, found number']);
    expect(check(schema, { trace: 'abc' })).toEqual(['(root): unexpected property "trace"']);
  });

  it('checks minProperties and maxProperties', () => {
    const schema = { minProperties: 1, maxProperties: 2 };
    expect(check(schema, { a: 1 })).toEqual([]);
    expect(check(schema, {})).toEqual(['(root): expected at least 1 property, found 0']);
    expect(check(schema, { a: 1, b: 2, c: 3 })).toEqual(['(root): expected at most 2 properties, found 3']);
  });

  it('does not mistake inherited names for properties', () => {
    expect(check({ required: ['toString'] }, {})).toEqual(['(root): missing required property "toString"']);
    expect(check({ properties: { a: { type: 'string' } }, additionalProperties: false }, JSON.parse('{"__proto__": 1}'))).toEqual([
      '(root): unexpected property "__proto__"',
    ]);
  });
});

describe('validateJsonSchema: arrays', () => {
  it('checks every item against items', () => {
    const schema = { type: 'array', items: { type: 'string' } };
    expect(check(schema, ['a', 'b'])).toEqual([]);
    expect(check(schema, ['a', 2, 'c'])).toEqual(['/1: expected string, found number']);
  });

  it('checks a tuple with prefixItems, and the rest with items', () => {
    const schema = { prefixItems: [{ type: 'string' }, { type: 'number' }], items: { type: 'boolean' } };
    expect(check(schema, ['a', 1, true, false])).toEqual([]);
    expect(check(schema, [1, 1])).toEqual(['/0: expected string, found number']);
    expect(check(schema, ['a', 1, 'x'])).toEqual(['/2: expected boolean, found string']);
    // Without items, items past the prefix are free.
    expect(check({ prefixItems: [{ type: 'string' }] }, ['a', 1, null])).toEqual([]);
  });

  it('understands the draft 7 tuple form (items array plus additionalItems)', () => {
    const schema = { items: [{ type: 'string' }], additionalItems: false };
    expect(check(schema, ['a'])).toEqual([]);
    expect(check(schema, [1])).toEqual(['/0: expected string, found number']);
    expect(check(schema, ['a', 'b'])).toEqual(['/1: no value is allowed here (schema is false)']);
  });

  it('checks minItems and maxItems', () => {
    const schema = { minItems: 1, maxItems: 2 };
    expect(check(schema, [1])).toEqual([]);
    expect(check(schema, [])).toEqual(['(root): expected at least 1 item, found 0']);
    expect(check(schema, [1, 2, 3])).toEqual(['(root): expected at most 2 items, found 3']);
  });

  it('checks uniqueItems with deep equality that ignores key order', () => {
    const schema = { uniqueItems: true };
    expect(check(schema, [1, '1', [1], { a: 1 }, { a: '1' }])).toEqual([]);
    expect(check(schema, [{ a: 1, b: [2] }, 'x', { b: [2], a: 1 }])).toEqual(['(root): items 0 and 2 are equal (uniqueItems)']);
  });
});

describe('validateJsonSchema: enum and const', () => {
  it('accepts only listed values', () => {
    const schema = { enum: ['red', 'green', null] };
    expect(check(schema, 'red')).toEqual([]);
    expect(check(schema, null)).toEqual([]);
    expect(check(schema, 'blue')).toEqual(['(root): expected one of "red", "green", null; found "blue"']);
    // No type coercion: 1 is not "1".
    expect(check({ enum: ['1'] }, 1)).toEqual(['(root): expected one of "1"; found 1']);
  });

  it('compares structured enum members deeply', () => {
    const schema = { enum: [{ a: 1, b: [1, 2] }] };
    expect(check(schema, { b: [1, 2], a: 1 })).toEqual([]);
    expect(check(schema, { a: 1, b: [2, 1] })).toHaveLength(1);
  });

  it('checks const with deep equality', () => {
    expect(check({ const: 'x' }, 'x')).toEqual([]);
    expect(check({ const: 'x' }, 'y')).toEqual(['(root): expected "x", found "y"']);
    expect(check({ const: null }, null)).toEqual([]);
    expect(check({ const: null }, 0)).toEqual(['(root): expected null, found 0']);
    expect(check({ const: { a: [1, { b: 2 }] } }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(check({ const: { a: [1, { b: 2 }] } }, { a: [1, { b: 3 }] })).toEqual(['(root): does not equal the const value']);
  });
});

describe('validateJsonSchema: numbers', () => {
  it('checks minimum and maximum inclusively', () => {
    const schema = { minimum: 0, maximum: 10 };
    expect(check(schema, 0)).toEqual([]);
    expect(check(schema, 10)).toEqual([]);
    expect(check(schema, -1)).toEqual(['(root): expected at least 0, found -1']);
    expect(check(schema, 10.5)).toEqual(['(root): expected at most 10, found 10.5']);
  });

  it('checks numeric exclusiveMinimum and exclusiveMaximum', () => {
    const schema = { exclusiveMinimum: 0, exclusiveMaximum: 10 };
    expect(check(schema, 5)).toEqual([]);
    expect(check(schema, 0)).toEqual(['(root): expected more than 0, found 0']);
    expect(check(schema, 10)).toEqual(['(root): expected less than 10, found 10']);
  });

  it('understands the draft 4 / OpenAPI 3.0 boolean exclusiveMinimum', () => {
    const schema = { minimum: 0, exclusiveMinimum: true };
    expect(check(schema, 1)).toEqual([]);
    expect(check(schema, 0)).toEqual(['(root): expected more than 0, found 0']);
  });

  it('checks multipleOf, tolerating binary rounding of decimal divisors', () => {
    expect(check({ multipleOf: 3 }, 9)).toEqual([]);
    expect(check({ multipleOf: 3 }, 10)).toEqual(['(root): expected a multiple of 3, found 10']);
    expect(check({ multipleOf: 0.1 }, 0.3)).toEqual([]);
    expect(check({ multipleOf: 0.01 }, 19.99)).toEqual([]);
    expect(check({ multipleOf: 0.1 }, 0.35)).toEqual(['(root): expected a multiple of 0.1, found 0.35']);
  });

  it('applies number keywords to numbers only', () => {
    expect(check({ minimum: 5, minLength: 99 }, 'short')).toEqual(['(root): expected at least 99 characters, found 5']);
  });
});

describe('validateJsonSchema: strings', () => {
  it('counts code points, not UTF-16 units', () => {
    const twoEmoji = '😀😀'; // four UTF-16 units
    expect(check({ maxLength: 2 }, twoEmoji)).toEqual([]);
    expect(check({ minLength: 3 }, twoEmoji)).toEqual(['(root): expected at least 3 characters, found 2']);
    expect(check({ maxLength: 1 }, twoEmoji)).toEqual(['(root): expected at most 1 character, found 2']);
  });

  it('checks pattern unanchored, in Unicode mode', () => {
    expect(check({ pattern: '\\d{3}' }, 'ab123cd')).toEqual([]);
    expect(check({ pattern: '^[a-z]+$' }, 'abc1')).toEqual(['(root): does not match pattern "^[a-z]+$"']);
    // `.` is one code point in Unicode mode, so one emoji matches `^.$`.
    expect(check({ pattern: '^.$' }, '😀')).toEqual([]);
  });

  it('ignores a pattern that does not compile instead of throwing', () => {
    expect(() => check({ pattern: '(' }, 'x')).not.toThrow();
    expect(check({ type: 'string', pattern: '([' }, 'x')).toEqual([]);
    expect(check({ patternProperties: { '(': { type: 'number' } } }, { '(': 'x' })).toEqual([]);
  });

  it('still checks patterns that only the legacy regex syntax accepts', () => {
    // `\-` outside a class is a syntax error in Unicode mode, but common in real schemas.
    const schema = { pattern: '^\\d{3}\\-\\d{4}$' };
    expect(check(schema, '555-1234')).toEqual([]);
    expect(check(schema, '5551234')).toHaveLength(1);
  });
});

describe('validateJsonSchema: combinators', () => {
  it('anyOf accepts a value matching any branch and reports the closest failure', () => {
    const schema = {
      properties: {
        owner: { anyOf: [{ type: 'object', properties: { id: { type: 'integer' } } }, { type: 'null' }] },
      },
    };
    expect(check(schema, { owner: null })).toEqual([]);
    expect(check(schema, { owner: { id: 1 } })).toEqual([]);
    expect(check(schema, { owner: { id: 'x' } })).toEqual([
      '/owner: matches none of the 2 anyOf schemas (closest: /owner/id: expected integer, found string)',
    ]);
    // Branch order does not matter: the deeper failure wins.
    const nullFirst = { anyOf: [{ type: 'null' }, { type: 'array', items: { type: 'string' } }] };
    expect(check(nullFirst, ['a', 1])).toEqual([
      '(root): matches none of the 2 anyOf schemas (closest: /1: expected string, found number)',
    ]);
  });

  it('oneOf wants exactly one matching branch', () => {
    const schema = { oneOf: [{ type: 'integer' }, { minimum: 10 }] };
    expect(check(schema, 3)).toEqual([]);
    expect(check(schema, 10.5)).toEqual([]);
    expect(check(schema, 12)).toEqual(['(root): matches oneOf schemas 0 and 1; expected exactly one']);
    expect(check(schema, 2.5)).toEqual(['(root): matches none of the 2 oneOf schemas (closest: (root): expected integer, found number)']);
  });

  it('allOf reports the problems of every branch', () => {
    const schema = { allOf: [{ type: 'string' }, { minLength: 2 }, { pattern: '^a' }] };
    expect(check(schema, 'ab')).toEqual([]);
    expect(check(schema, 'b')).toEqual([
      '(root): expected at least 2 characters, found 1',
      '(root): does not match pattern "^a"',
    ]);
  });

  it('not rejects a value matching its schema', () => {
    const schema = { not: { type: 'null' } };
    expect(check(schema, 0)).toEqual([]);
    expect(check(schema, null)).toEqual(['(root): matches the schema in "not"']);
  });
});

describe('validateJsonSchema: $ref', () => {
  it('resolves #/$defs and #/definitions, following refs through refs', () => {
    const schema = {
      $defs: { price: { $ref: '#/definitions/amount' } },
      definitions: { amount: { type: 'number', minimum: 0 } },
      properties: { price: { $ref: '#/$defs/price' } },
    };
    expect(check(schema, { price: 3 })).toEqual([]);
    expect(check(schema, { price: -3 })).toEqual(['/price: expected at least 0, found -3']);
    expect(check(schema, { price: 'x' })).toEqual(['/price: expected number, found string']);
  });

  it('decodes ~0, ~1 and percent-escapes in the pointer', () => {
    const schema = {
      $defs: { 'a/b': { type: 'string' }, 'c~d': { type: 'number' }, 'e f': { type: 'boolean' }, '~1': { type: 'null' } },
      properties: {
        slash: { $ref: '#/$defs/a~1b' },
        tilde: { $ref: '#/$defs/c~0d' },
        space: { $ref: '#/$defs/e%20f' },
        // `~01` is a literal "~1": unescaping ~1 before ~0 would wrongly give "/".
        literal: { $ref: '#/$defs/~01' },
      },
    };
    expect(check(schema, { slash: 'x', tilde: 1, space: true, literal: null })).toEqual([]);
    expect(check(schema, { slash: 1, tilde: 'x', space: 'x', literal: 0 })).toEqual([
      '/slash: expected string, found number',
      '/tilde: expected number, found string',
      '/space: expected boolean, found string',
      '/literal: expected null, found number',
    ]);
  });

  it('resolves a pointer through an array index', () => {
    const schema = { properties: { pair: { prefixItems: [{ type: 'string' }] }, first: { $ref: '#/properties/pair/prefixItems/0' } } };
    expect(check(schema, { first: 'x' })).toEqual([]);
    expect(check(schema, { first: 1 })).toEqual(['/first: expected string, found number']);
  });

  it('applies keywords beside $ref as well (2020-12)', () => {
    const schema = { $defs: { text: { type: 'string' } }, properties: { code: { $ref: '#/$defs/text', maxLength: 2 } } };
    expect(check(schema, { code: 'ab' })).toEqual([]);
    expect(check(schema, { code: 'abc' })).toEqual(['/code: expected at most 2 characters, found 3']);
  });

  it('accepts when a ref cannot be resolved, since it cannot judge the value', () => {
    expect(check({ $ref: '#/$defs/missing' }, 1)).toEqual([]);
    expect(check({ $ref: 'https://example.com/schema.json' }, 1)).toEqual([]);
    expect(check({ $ref: '#/%E0%A4%A' }, 1)).toEqual([]);
  });

  it('validates a recursive tree through $ref "#"', () => {
    const tree = {
      type: 'object',
      required: ['name', 'children'],
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
      additionalProperties: false,
    };
    let node: unknown = { name: 'leaf', children: [] };
    for (let level = 0; level < 20; level++) node = { name: `n${level}`, children: [node, { name: 'side', children: [] }] };
    expect(check(tree, node)).toEqual([]);

    let broken: unknown = { name: 'leaf', children: [], extra: true };
    for (let level = 0; level < 3; level++) broken = { name: 'n', children: [broken] };
    expect(check(tree, broken)).toEqual(['/children/0/children/0/children/0: unexpected property "extra"']);
  });
});

describe('validateJsonSchema: nullable, boolean and non-schemas', () => {
  it('accepts null for nullable: true (OpenAPI style)', () => {
    const schema = { type: 'string', nullable: true };
    expect(check(schema, null)).toEqual([]);
    expect(check(schema, 'x')).toEqual([]);
    expect(check(schema, 1)).toEqual(['(root): expected string, found number']);
    expect(check({ type: 'string', nullable: false }, null)).toEqual(['(root): expected string, found null']);
  });

  it('treats true as accept-all and false as reject-all, at the root and nested', () => {
    expect(check(true, { anything: 1 })).toEqual([]);
    expect(check(false, 1)).toEqual(['(root): no value is allowed here (schema is false)']);
    expect(check({ properties: { a: false, b: true } }, { b: 1 })).toEqual([]);
    expect(check({ properties: { a: false } }, { a: 1 })).toEqual(['/a: no value is allowed here (schema is false)']);
  });

  it('accepts everything when the schema is not an object or boolean', () => {
    for (const schema of [null, undefined, 'string', 42, ['type', 'string']]) expect(check(schema, { x: 1 })).toEqual([]);
  });

  it('ignores keywords it does not know or that have the wrong type', () => {
    const schema = {
      type: 'string',
      format: 'email',
      description: 'an email',
      title: 'Email',
      default: 'a@b.c',
      strict: true,
      minLength: 'three',
      maxLength: null,
    };
    expect(check(schema, 'not an email')).toEqual([]);
  });
});

describe('validateJsonSchema: limits', () => {
  it('ends a $ref cycle that consumes no value with an error', () => {
    const problems = check({ $ref: '#' }, 1);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\(root\): schema recursion deeper than \d+ levels \(a \$ref cycle\?\)$/);
    expect(check({ $defs: { a: { $ref: '#/$defs/b' }, b: { allOf: [{ $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' }, 1)[0]).toMatch(
      /schema recursion deeper than/,
    );
  });

  it('stops a 10,000-deep value at the depth limit without overflowing the stack', () => {
    const deep = nestedArray(10_000, 1);
    const problems = check({ type: 'array', items: { $ref: '#' } }, deep);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^(?:\/0){65}: value nested deeper than 64 levels$/);
  });

  it('compares 10,000-deep values in const, enum and uniqueItems without recursion', () => {
    const deep = nestedArray(10_000, 1);
    expect(check({ const: nestedArray(10_000, 1) }, deep)).toEqual([]);
    expect(check({ const: nestedArray(10_000, 2) }, deep)).toEqual(['(root): does not equal the const value']);
    expect(check({ enum: [nestedArray(10_000, 2)] }, deep)).toHaveLength(1);
    expect(check({ uniqueItems: true }, [deep, nestedArray(10_000, 1)])).toEqual(['(root): items 0 and 1 are equal (uniqueItems)']);
  });

  it('terminates on values with cycles (built in code, not JSON)', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(check({ uniqueItems: true }, [cyclic, cyclic])).toEqual(['(root): items 0 and 1 are equal (uniqueItems)']);
    expect(check({ items: { $ref: '#' } }, cyclic)[0]).toMatch(/value nested deeper than 64 levels$/);
  });

  it('gives up on a schema whose anyOf branches multiply, instead of running for ages', () => {
    // 21 levels of two-way anyOf over one definition: 2^21 paths, all failing at the bottom. Small
    // enough that without the budget this finishes (in seconds) and fails, rather than hanging.
    const $defs: Record<string, unknown> = { d21: { type: 'string' } };
    for (let level = 0; level < 21; level++) {
      $defs[`d${level}`] = { anyOf: [{ $ref: `#/$defs/d${level + 1}` }, { $ref: `#/$defs/d${level + 1}` }] };
    }
    const problems = check({ $defs, $ref: '#/$defs/d0' }, 5);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\(root\): gave up after \d+ schema steps/);
  });

  it('stops after maxErrors (default 10)', () => {
    const schema = { type: 'array', items: { type: 'string' } };
    const value = Array.from({ length: 25 }, (_, index) => index);
    expect(validateJsonSchema(schema, value)).toHaveLength(10);
    expect(validateJsonSchema(schema, value, { maxErrors: 3 })).toEqual([
      '/0: expected string, found number',
      '/1: expected string, found number',
      '/2: expected string, found number',
    ]);
    expect(validateJsonSchema(schema, value, { maxErrors: 1 })).toHaveLength(1);
    expect(validateJsonSchema(schema, value, { maxErrors: 100 })).toHaveLength(25);
  });

  it('reports a limit after the problems found before it, within maxErrors', () => {
    const schema = { prefixItems: [{ type: 'string' }, { $ref: '#/$defs/loop' }], $defs: { loop: { $ref: '#/$defs/loop' } } };
    const problems = validateJsonSchema(schema, [1, 2], { maxErrors: 2 });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe('/0: expected string, found number');
    expect(problems[1]).toMatch(/^\/1: schema recursion deeper than/);
    // With the list already full, the walk stops before it reaches the cycle.
    expect(validateJsonSchema(schema, [1, 2], { maxErrors: 1 })).toEqual(['/0: expected string, found number']);
    // Even when one key is checked by both properties and patternProperties.
    const both = { properties: { a: { type: 'string' } }, patternProperties: { '^a': { $ref: '#/$defs/loop' } }, $defs: schema.$defs };
    expect(validateJsonSchema(both, { a: 1 }, { maxErrors: 1 })).toEqual(['/a: expected string, found number']);
  });
});

describe('validateJsonSchema: pattern caching', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('compiles a schema object pattern once across many answers', () => {
    const schema = { type: 'object', properties: { sku: { pattern: '^[A-Z]{3}-\\d+$' } }, patternProperties: { '^x-': {} } };
    const compiled = vi.spyOn(globalThis, 'RegExp');
    for (let index = 0; index < 50; index++) expect(check(schema, { sku: `ABC-${index}`, 'x-n': 1 })).toEqual([]);
    expect(check(schema, { sku: 'abc' })).toHaveLength(1);
    expect(compiled).toHaveBeenCalledTimes(2);
  });
});

describe('validateJsonSchema: an OpenAI strict structured-output schema', () => {
  const schema = {
    type: 'object',
    properties: {
      customer: { type: 'string', description: 'Full name' },
      status: { type: 'string', enum: ['pending', 'shipped', 'delivered'] },
      items: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            sku: { type: 'string' },
            quantity: { type: 'integer' },
            price: { type: 'number' },
            note: { type: ['string', 'null'] },
          },
          required: ['sku', 'quantity', 'price', 'note'],
          additionalProperties: false,
        },
      },
      shipping: { anyOf: [{ $ref: '#/$defs/address' }, { type: 'null' }] },
    },
    required: ['customer', 'status', 'items', 'shipping'],
    additionalProperties: false,
    $defs: {
      address: {
        type: 'object',
        properties: { street: { type: 'string' }, city: { type: 'string' } },
        required: ['street', 'city'],
        additionalProperties: false,
      },
    },
  };
  const responseFormat = { type: 'json_schema', json_schema: { name: 'order', strict: true, schema } };
  const valid = {
    customer: 'Ada Lovelace',
    status: 'shipped',
    items: [
      { sku: 'A-1', quantity: 2, price: 9.5, note: null },
      { sku: 'B-2', quantity: 1, price: 20, note: 'gift wrap' },
    ],
    shipping: { street: '1 Main St', city: 'London' },
  };

  it('accepts a conforming answer, parsed from text as the gateway would', () => {
    expect(validateJsonSchema(responseFormat.json_schema.schema, JSON.parse(JSON.stringify(valid)))).toEqual([]);
    expect(check(schema, { ...valid, shipping: null })).toEqual([]);
  });

  it('rejects the typical mistakes of a cheap model', () => {
    const { status: _status, ...withoutStatus } = valid;
    expect(check(schema, withoutStatus)).toEqual(['(root): missing required property "status"']);
    expect(check(schema, { ...valid, status: 'lost' })).toEqual([
      '/status: expected one of "pending", "shipped", "delivered"; found "lost"',
    ]);
    expect(check(schema, { ...valid, items: [{ sku: 'A-1', quantity: 1.5, price: '9.50', note: null }] })).toEqual([
      '/items/0/quantity: expected integer, found number',
      '/items/0/price: expected number, found string',
    ]);
    expect(check(schema, { ...valid, items: [{ sku: 'A-1', quantity: 1, price: 1 }] })).toEqual([
      '/items/0: missing required property "note"',
    ]);
    expect(check(schema, { ...valid, confidence: 0.9 })).toEqual(['(root): unexpected property "confidence"']);
    expect(check(schema, { ...valid, shipping: { street: '1 Main St' } })).toEqual([
      '/shipping: matches none of the 2 anyOf schemas (closest: /shipping: missing required property "city")',
    ]);
  });
});
