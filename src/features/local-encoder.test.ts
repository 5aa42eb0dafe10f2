import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cosine, LOCAL_ENCODER_ID, LocalEncoder, stem } from './local-encoder.js';

const ROUTES: Record<string, readonly string[]> = {
  factual: [
    'What is the capital of France?',
    'Who wrote Pride and Prejudice?',
    'When did World War II end?',
    'How tall is Mount Everest?',
    'What is the boiling point of water?',
  ],
  creative: [
    'Write a poem about the ocean.',
    'Tell me a story about a dragon.',
    'Compose a haiku about autumn leaves.',
    'Write a short story about a lost dog.',
  ],
  code: [
    'Write a JavaScript function that sorts an array.',
    'Fix the bug in this Python code.',
    'How do I read a JSON file in Python?',
    'Implement binary search in Java.',
  ],
};

type Router = { encoder: LocalEncoder; route: (prompt: string) => { name: string; score: number } };

/** The routing rule of example routes: a route scores the best cosine of the request to any of its examples. */
function exampleRouter(routes: Record<string, readonly string[]>): Router {
  const encoder = LocalEncoder.fit(Object.values(routes).flat());
  const vectors = Object.entries(routes).map(([name, examples]) => ({ name, examples: examples.map((example) => encoder.embed(example)) }));
  return {
    encoder,
    route(prompt) {
      const request = encoder.embed(prompt);
      let best = { name: 'none', score: -Infinity };
      for (const { name, examples } of vectors) {
        const score = Math.max(...examples.map((example) => cosine(request, example)));
        if (score > best.score) best = { name, score };
      }
      return best;
    },
  };
}

const norm = (vector: Float32Array): number => Math.sqrt(cosine(vector, vector));

describe('LocalEncoder', () => {
  const encoder = LocalEncoder.fit(Object.values(ROUTES).flat());

  it('names itself and gives vectors of its dimensions', () => {
    expect(LOCAL_ENCODER_ID).toBe('local-lexical-v1');
    expect(encoder.embed('Write a poem.')).toHaveLength(encoder.dimensions);
  });

  it('is deterministic: the same corpus gives the same vectors', () => {
    const again = LocalEncoder.fit(Object.values(ROUTES).flat());
    const prompt = 'Write a Python function to parse CSV files with error handling.';
    expect(Array.from(again.embed(prompt))).toEqual(Array.from(encoder.embed(prompt)));
    expect(Array.from(encoder.embed(prompt))).toEqual(Array.from(encoder.embed(prompt)));
  });

  it('weighs words by their rarity in the corpus it was fitted on', () => {
    const other = LocalEncoder.fit(['tell me about paris', 'tell me about rome', 'tell me about oslo']);
    // Each shares one four-letter word with the text: "rome" is in one document, "tell" in all.
    const text = other.embed('tell me about rome');
    expect(cosine(text, other.embed('rome'))).toBeGreaterThan(cosine(text, other.embed('tell')) + 0.1);
  });

  it('gives unit vectors, whatever the length or script', () => {
    for (const text of ['hi', 'What is the capital of France?', 'x^2 + 3x = 10', '東京は日本の首都です', 'function f() { return 1; }'.repeat(50)]) {
      expect(norm(encoder.embed(text))).toBeCloseTo(1, 5);
    }
  });

  it('gives the zero vector for text without a word, and only then', () => {
    for (const text of ['', '   \n\t', '?!... ;;']) {
      const vector = encoder.embed(text);
      expect(vector.every((value) => value === 0)).toBe(true);
      expect(cosine(vector, encoder.embed('What is the capital of France?'))).toBe(0);
    }
    expect(norm(encoder.embed('zzyzx'))).toBeCloseTo(1, 5);
  });

  it('reads a bounded start of a huge paste', () => {
    const tail = ' Fix the bug in this Python code.';
    const same = (a: string, b: string): boolean => {
      const other = encoder.embed(b);
      return encoder.embed(a).every((value, index) => value === other[index]);
    };
    // Words past the bound are not read, though the text is short: 3,000 words in 9 KB...
    const manyWords = 'ab '.repeat(3_000);
    expect(same(manyWords + tail, manyWords)).toBe(true);
    // ...nor past the character bound of a 5 MB paste, or of a single 5 MB word...
    const huge = `Write a poem about the sea. ${'lorem ipsum dolor sit amet '.repeat(200_000)}`;
    expect(huge.length).toBeGreaterThan(5_000_000);
    expect(norm(encoder.embed(huge))).toBeCloseTo(1, 5);
    expect(same(huge + tail, huge)).toBe(true);
    const word = 'a'.repeat(5_000_000);
    expect(norm(encoder.embed(word))).toBeCloseTo(1, 5);
    expect(same(`${word}xyz`, word)).toBe(true);
    // ...while the same words within the bounds are.
    expect(same('ab '.repeat(100) + tail, 'ab '.repeat(100))).toBe(false);
    expect(same('a'.repeat(100) + 'xyz', 'a'.repeat(100))).toBe(false);
  });

  it('lets word forms overlap: parse, parsing and parser are closer to each other than to an unrelated word', () => {
    const parse = encoder.embed('parse');
    const unrelated = cosine(parse, encoder.embed('banana'));
    expect(cosine(parse, encoder.embed('parsing'))).toBeGreaterThan(unrelated + 0.3);
    expect(cosine(parse, encoder.embed('parser'))).toBeGreaterThan(unrelated + 0.3);
  });

  it('lets words the stemmer does not fold overlap through their pieces, in any language', () => {
    const compute = encoder.embed('compute');
    expect(cosine(compute, encoder.embed('computation'))).toBeGreaterThan(cosine(compute, encoder.embed('banana')) + 0.1);
    const data = encoder.embed('données');
    expect(cosine(data, encoder.embed('donnée'))).toBeGreaterThan(cosine(data, encoder.embed('fenêtre')) + 0.1);
  });

  it('hears word order through word pairs', () => {
    // The same words and pieces: only the pairs tell these apart.
    expect(cosine(encoder.embed('dog bites man'), encoder.embed('man bites dog'))).toBeLessThan(0.9);
  });

  it('throws on vectors of different lengths', () => {
    expect(() => cosine(new Float32Array(2), new Float32Array(3))).toThrow(RangeError);
  });
});

describe('stem', () => {
  it('folds common English inflections and leaves words that only look inflected', () => {
    expect(new Set(['sorts', 'sorting', 'sorted', 'sorter'].map(stem))).toEqual(new Set([stem('sort')]));
    expect(stem('stories')).toBe(stem('story'));
    expect(stem('running')).toBe('run');
    expect(stem('classes')).toBe('class');
    expect(stem('string')).toBe('string');
    expect(stem('status')).toBe('status');
    expect(stem('données')).toBe('données');
  });
});

describe('routing by examples with the local encoder', () => {
  const router = exampleRouter(ROUTES);

  it('sends the three reference prompts to the right route', () => {
    expect(router.route('What is the capital of Japan?').name).toBe('factual');
    expect(router.route('Write a short story about a robot learning to paint.').name).toBe('creative');
    expect(router.route('Write a Python function to parse CSV files with error handling.').name).toBe('code');
  });

  it('routes most held-out prompts that share few words with the examples', () => {
    const heldOut: [string, string][] = [
      ['factual', 'Who painted the ceiling of the Sistine Chapel?'],
      ['factual', 'When was the Eiffel Tower built?'],
      ['factual', 'How deep is the Mariana Trench?'],
      ['factual', 'Which river flows through Cairo?'],
      ['factual', 'What is the largest planet in the solar system?'],
      ['creative', 'Compose a sonnet about the moon.'],
      ['creative', 'Tell me a bedtime story about a brave little mouse.'],
      ['creative', 'Write a limerick about a clumsy giraffe.'],
      ['creative', 'Write a poem about friendship and rain.'],
      ['creative', 'Write a fairy tale about a princess who hates castles.'],
      ['code', 'How do I sort a list of dictionaries in Python?'],
      ['code', 'Why does this Java code throw a NullPointerException?'],
      ['code', 'Implement a linked list in C++.'],
      ['code', 'Write a TypeScript function that debounces another function.'],
      ['code', 'How do I read a CSV file with pandas?'],
    ];
    const right = heldOut.filter(([route, prompt]) => router.route(prompt).name === route).length;
    // Measured 14 of 15: the NullPointerException question goes to factual ("Why does ... ?"), a
    // lexical encoder's typical miss. The floor leaves room for one more, not for a regression.
    expect(right).toBeGreaterThanOrEqual(13);
  });
});

describe('examples/embedding-routes', () => {
  type Labeled = { id: string; prompt: string; route: string };
  const config = parse(readFileSync(new URL('../../examples/embedding-routes/switchyard.yaml', import.meta.url), 'utf8')) as {
    routers: { auto: { routes: Record<string, { description: string; when: { examples: string[] } }> } };
  };
  const routes = Object.fromEntries(Object.entries(config.routers.auto.routes).map(([name, route]) => [name, { description: route.description, examples: route.when.examples }]));
  const labeled = readFileSync(new URL('../../examples/embedding-routes/labeled.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Labeled);

  it('holds 40 prompts per label, none of them an example of a route', () => {
    expect(Object.keys(routes)).toEqual(['factual', 'creative', 'code', 'math']);
    const examples = new Set(Object.values(routes).flatMap((route) => route.examples.map((example) => example.toLowerCase())));
    expect(new Set(labeled.map((row) => row.id)).size).toBe(labeled.length);
    for (const label of ['factual', 'creative', 'code', 'math', 'default']) expect(labeled.filter((row) => row.route === label)).toHaveLength(40);
    expect(labeled.filter((row) => examples.has(row.prompt.toLowerCase()))).toEqual([]);
  });

  it('routes the labelled prompts of the four routes mostly right, and scores small talk lower', () => {
    const router = exampleRouter(Object.fromEntries(Object.entries(routes).map(([name, route]) => [name, route.examples])));
    const routed = labeled.filter((row) => row.route !== 'default');
    const right = routed.filter((row) => router.route(row.prompt).name === row.route).length;
    // Measured 135 of 160 (84%) with the local encoder at 4096 dimensions.
    expect(right / routed.length).toBeGreaterThanOrEqual(0.8);
    const mean = (rows: Labeled[]): number => rows.reduce((sum, row) => sum + router.route(row.prompt).score, 0) / rows.length;
    // Measured 0.29 against 0.19: what a threshold for "no route" can separate, and not much more.
    expect(mean(routed)).toBeGreaterThan(mean(labeled.filter((row) => row.route === 'default')) + 0.05);
  });
});
