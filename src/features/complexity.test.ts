import { describe, expect, it } from 'vitest';
import { COMPLEXITY_FEATURES, measureComplexity } from './complexity.js';
import { DENSE_FEATURES, denseFeatures } from './text-statistics.js';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

const GREETING = 'Hi there!';
const QUESTION = 'What is the capital of France?';
const TASK = [
  'Design and implement a concurrent LRU cache in TypeScript, then compare its latency with a plain Map.',
  '1. First, explain why the eviction algorithm is O(1).',
  '2. Then write the code and unit tests.',
  '3. Finally, analyze the trade-offs and return the results as a JSON table.',
  '```ts',
  'class LruCache<K, V> {',
  '  private readonly entries = new Map<K, V>();',
  '  get(key: K): V | undefined {',
  '    return this.entries.get(key);',
  '  }',
  '}',
  '```',
  'What happens under 10000 requests per second?',
].join('\n');

describe('measureComplexity', () => {
  it('ranks a greeting below a short question below a multi-step technical task with code', () => {
    const greeting = measureComplexity(GREETING).score;
    const question = measureComplexity(QUESTION).score;
    const task = measureComplexity(TASK).score;
    expect(greeting).toBeLessThan(question);
    expect(question).toBeLessThan(task);
    // The hand-set blend puts a one-liner near 0.1 and such a task near 0.8 or above.
    expect(question).toBeLessThan(0.2);
    expect(task).toBeGreaterThan(0.75);
  });

  it('computes the blend by hand for a greeting: only the length counts', () => {
    const { score, features } = measureComplexity(GREETING);
    expect(features).toEqual({
      length: Math.log1p(2 / 15),
      questions: 0,
      code: 0,
      structured_output: 0,
      multi_step: 0,
      domain_terms: 0,
      numbers: 0,
      turns: 0,
    });
    expect(score).toBeCloseTo(sigmoid(-3.2 + Math.log1p(2 / 15)), 12);
  });

  it('blends every feature with its documented weight', () => {
    const weights = { length: 1.0, questions: 0.5, code: 1.0, structured_output: 0.7, multi_step: 0.9, domain_terms: 1.0, numbers: 0.2, turns: 0.4 };
    const { score, features } = measureComplexity(TASK, 3);
    // The task triggers every feature, so a weight set to 0 or changed would show.
    for (const name of COMPLEXITY_FEATURES) expect(features[name]).toBeGreaterThan(0);
    const z = COMPLEXITY_FEATURES.reduce((sum, name) => sum + weights[name] * features[name], -3.2);
    expect(score).toBeCloseTo(sigmoid(z), 12);
  });

  it('scores the empty prompt at the bias alone', () => {
    const { score, features } = measureComplexity('');
    expect(Object.values(features).every((value) => value === 0)).toBe(true);
    expect(score).toBeCloseTo(sigmoid(-3.2), 12);
  });

  it('keeps the score in [0, 1] for every kind of input', () => {
    const inputs = ['', GREETING, QUESTION, TASK, TASK.repeat(50), '?'.repeat(20_000), '```\n'.repeat(5_000), '1 '.repeat(10_000)];
    for (const text of inputs) {
      for (const turns of [1, 2, 50]) {
        const { score } = measureComplexity(text, turns);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
      }
    }
  });

  it('reports the features in COMPLEXITY_FEATURES order', () => {
    expect(Object.keys(measureComplexity(TASK).features)).toEqual([...COMPLEXITY_FEATURES]);
  });

  describe('each feature responds to its trigger', () => {
    const rises = (feature: (typeof COMPLEXITY_FEATURES)[number], base: string, triggered: string, expected: number): void => {
      const before = measureComplexity(base);
      const after = measureComplexity(triggered);
      expect(before.features[feature]).toBe(0);
      expect(after.features[feature]).toBeCloseTo(expected, 12);
      expect(after.score).toBeGreaterThan(before.score);
    };

    it('code: a code block', () => {
      const base = 'Please tidy this up for me';
      const after = measureComplexity(`${base}\n\`\`\`\nreturn total\n\`\`\``);
      expect(measureComplexity(base).features.code).toBe(0);
      // Two fences and `return`.
      expect(after.features.code).toBeCloseTo(Math.log1p(3), 12);
      expect(after.score).toBeGreaterThan(measureComplexity(base).score);
    });

    it('structured_output: "in JSON format"', () => {
      rises('structured_output', 'List three colours', 'List three colours in JSON format', Math.log1p(1));
    });

    it('structured_output: a table and a schema', () => {
      rises('structured_output', 'Summarise the plans', 'Summarise the plans as a table with a schema', Math.log1p(2));
    });

    it('questions: question marks', () => {
      rises('questions', 'Tell me about it', 'Tell me about it? Why? How?', Math.log1p(3));
    });

    it('multi_step: step-by-step wording', () => {
      rises('multi_step', 'Do it', 'Do it step by step, then compare', Math.log1p(3));
    });

    it('multi_step: a numbered list', () => {
      rises('multi_step', 'Plan:\ngo shopping\ncook', 'Plan:\n1. go shopping\n2. cook', Math.log1p(2));
    });

    it('domain_terms: technical vocabulary', () => {
      rises('domain_terms', 'Find the values of this', 'Find the eigenvalues of this matrix', Math.log1p(2));
    });

    it('numbers: numerals', () => {
      rises('numbers', 'Add these up', 'Add 12 and 3.5 and 1,000', Math.log1p(3));
    });

    it('turns: more messages in the conversation', () => {
      const one = measureComplexity(QUESTION, 1);
      const four = measureComplexity(QUESTION, 4);
      expect(one.features.turns).toBe(0);
      expect(four.features.turns).toBeCloseTo(Math.log1p(3), 12);
      expect(four.score).toBeGreaterThan(one.score);
      // Everything else is read from the text alone.
      expect({ ...four.features, turns: 0 }).toEqual(one.features);
    });

    it('length: more words', () => {
      const short = measureComplexity('one two three');
      const long = measureComplexity('one two three '.repeat(10));
      expect(short.features.length).toBeCloseTo(Math.log1p(3 / 15), 12);
      expect(long.features.length).toBeCloseTo(Math.log1p(30 / 15), 12);
      expect(long.score).toBeGreaterThan(short.score);
    });
  });

  it('measures a 1 MB prompt, counting its length beyond what it scans', () => {
    const kilobyte = 'abc '.repeat(256);
    const megabyte = 'abc '.repeat(262_144);
    expect(megabyte.length).toBe(1 << 20);
    const small = measureComplexity(kilobyte);
    const large = measureComplexity(megabyte);
    expect(small.features.length).toBeCloseTo(Math.log1p(256 / 15), 12);
    // Words are counted in the scanned prefix and scaled to the whole text: 262,144 here.
    expect(large.features.length).toBeCloseTo(Math.log1p(262_144 / 15), 9);
    expect(large.features.length).toBeGreaterThan(small.features.length);
    expect(large.score).toBeGreaterThan(small.score);
  });

  it('counts patterns only in the scanned prefix of a long prompt', () => {
    const prefix = 'x?\n'.repeat(6_000); // 18,000 characters, past the scan limit
    const long = measureComplexity(prefix + 'z?\n'.repeat(300_000));
    const scanned = measureComplexity(prefix.slice(0, 16_384));
    expect(long.features.questions).toBe(scanned.features.questions);
    // '?' at 1, 4, ..., 16,381: 5,461 of them.
    expect(long.features.questions).toBeCloseTo(Math.log1p(5_461), 12);
  });
});

describe('denseFeatures', () => {
  const at = (name: string): number => {
    const index = DENSE_FEATURES.indexOf(name);
    if (index < 0) throw new Error(`no dense feature ${name}`);
    return index;
  };

  it('returns one finite value per documented feature', () => {
    // docs/learned-routing.md documents 25: the 8 complexity features and 17 statistics.
    expect(DENSE_FEATURES.length).toBe(25);
    expect(DENSE_FEATURES.slice(0, COMPLEXITY_FEATURES.length)).toEqual([...COMPLEXITY_FEATURES]);
    expect(new Set(DENSE_FEATURES).size).toBe(DENSE_FEATURES.length);
    for (const text of ['', GREETING, QUESTION, TASK, 'abc '.repeat(262_144), '9'.repeat(50_000), '\n'.repeat(20_000), '$€£¥ 1/2 % 12.5'.repeat(2_000)]) {
      const values = denseFeatures(text, 3);
      expect(values).toBeInstanceOf(Float64Array);
      expect(values).toHaveLength(DENSE_FEATURES.length);
      expect([...values].every(Number.isFinite), JSON.stringify(text.slice(0, 20))).toBe(true);
    }
  });

  it('starts with the complexity features, in order', () => {
    const values = denseFeatures(TASK, 2);
    const { features } = measureComplexity(TASK, 2);
    COMPLEXITY_FEATURES.forEach((name, index) => expect(values[index]).toBe(features[name]));
  });

  it('measures the text statistics by hand on a small example', () => {
    const text = 'Tom buys 12 apples at $3.50 each. Then he eats 1/2 of them.\nHow many are left?';
    const values = denseFeatures(text, 1);
    expect(values[at('log_chars')]).toBeCloseTo(Math.log1p(text.length), 12);
    expect(values[at('log_sentences')]).toBeCloseTo(Math.log1p(3), 12);
    // 12, 3.50, 1, 2.
    expect(values[at('log_distinct_numbers')]).toBeCloseTo(Math.log1p(4), 12);
    expect(values[at('max_number_digits')]).toBe(3);
    expect(values[at('log_decimals')]).toBeCloseTo(Math.log1p(1), 12);
    expect(values[at('log_fractions')]).toBeCloseTo(Math.log1p(1), 12);
    expect(values[at('log_currency')]).toBeCloseTo(Math.log1p(1), 12);
    expect(values[at('log_multipliers')]).toBeCloseTo(Math.log1p(1), 12);
    // "Then" and "left".
    expect(values[at('log_sequence_words')]).toBeCloseTo(Math.log1p(2), 12);
    expect(values[at('log_newlines')]).toBeCloseTo(Math.log1p(1), 12);
    // Tom, Then, How.
    expect(values[at('log_capitalised')]).toBeCloseTo(Math.log1p(3), 12);
    expect(values[at('log_commas')]).toBe(0);
    expect(values[at('log_long_numbers')]).toBe(0);
  });

  it('caps the digits of a huge number and shares digits over characters', () => {
    expect(denseFeatures('9'.repeat(40), 1)[at('max_number_digits')]).toBe(12);
    expect(denseFeatures('a1b2', 1)[at('digit_share')]).toBe(0.5);
    expect(denseFeatures('abcd ef', 1)[at('chars_per_word')]).toBe(3);
    expect(denseFeatures('', 1)[at('chars_per_word')]).toBe(0);
  });
});
