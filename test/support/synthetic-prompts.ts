/**
 * Synthetic prompts for learned-routing tests: even-numbered ones are "hard" (proofs, integrals,
 * multi-step derivations) and odd-numbered ones easy one-liners, so a router trained on scores
 * that depend on hardness has something in the text to learn from.
 */

const TOPICS = [
  'the harmonic series',
  'a continuous function on a closed interval',
  'the sum of the first n odd numbers',
  'a bipartite graph',
  'the square root of two',
  'a compact metric space',
  'the Fibonacci sequence',
  'a prime modulus',
  'a symmetric matrix',
  'the exponential function',
  'a Markov chain',
  'the Cauchy-Schwarz inequality',
  'a finite group',
  'a convex polygon',
  'the binomial theorem',
  'a random walk',
];
const HARD = [
  (topic: string, n: number) => `Prove that ${topic} has the stated property for every n greater than ${n}. First state the lemma, then derive each step, and finally justify why the bound is tight.`,
  (topic: string, n: number) => `Evaluate the integral of x^${n} times the density associated with ${topic} from 0 to infinity, derive it step by step, and explain why the integral converges.`,
  (topic: string, n: number) => `Derive a closed form for ${topic} with parameter ${n}, prove it by induction, then analyze the asymptotic complexity of computing it and compare the trade-offs.`,
  (topic: string, n: number) => `Step by step, prove the theorem about ${topic} for dimension ${n}: first reduce to the polynomial case, then bound the derivative, and finally evaluate the remaining integral.`,
];
const EASY = [
  'What is the capital of {c}?',
  'Say hello to {c} in one word.',
  'Translate "good morning" into the language of {c}.',
  'Name a famous food from {c}.',
  'What colour is the flag of {c}?',
  'Give me a synonym for happy, I am in {c}.',
  'What time zone is {c} in?',
  'Write one friendly sentence about {c}.',
];
const COUNTRIES = ['France', 'Japan', 'Brazil', 'Kenya', 'Canada', 'Norway', 'Peru', 'India', 'Egypt', 'Chile', 'Spain', 'Vietnam', 'Ghana', 'Poland', 'Mexico', 'Italy'];

export function syntheticPrompt(i: number): { prompt: string; hard: boolean } {
  const hard = i % 2 === 0;
  const prompt = hard
    ? (HARD[(i >> 1) % HARD.length] as (typeof HARD)[number])(TOPICS[(i * 7) % TOPICS.length] as string, 3 + (i % 11))
    : (EASY[(i * 5) % EASY.length] as string).replace('{c}', COUNTRIES[(i * 3) % COUNTRIES.length] as string);
  return { prompt, hard };
}
