import { z } from 'zod';
import type { ChatMessage } from '../spec/chat-request.js';
import { DataFileError, lineMessages, parseJsonLines, readDataFile } from './json-lines.js';

/**
 * One line of scored data (eval, train and calibrate input): a prompt and how well each model
 * answered it, in [0, 1], with optional per-model dollar costs. See ARCHITECTURE.md "Scored data".
 */
export type ScoredExample = {
  id: string;
  /** 1-based line in the file, for messages. */
  line: number;
  /** The text a router sees: `prompt`, or the messages' text when there is no prompt. */
  messages: ChatMessage[];
  scores: Readonly<Record<string, number>>;
  costs: Readonly<Record<string, number>> | undefined;
  contaminated: boolean;
};

export const MessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]),
});

const LineSchema = z
  .looseObject({
    id: z.union([z.string().min(1), z.number()]),
    prompt: z.string().optional(),
    messages: z.array(MessageSchema).min(1).optional(),
    scores: z.record(z.string(), z.number().min(0).max(1)).refine((scores) => Object.keys(scores).length > 0, {
      error: 'expected at least one model score',
    }),
    costs: z.record(z.string(), z.number().nonnegative()).optional(),
    contaminated: z.boolean().optional(),
  })
  .refine((line) => line.prompt !== undefined || line.messages !== undefined, { error: 'expected "prompt" or "messages"' });

export { DataFileError };

/** Reads a JSONL file of scored examples; every bad line is reported, not only the first. */
export function readScoredData(file: string): ScoredExample[] {
  return parseScoredData(readDataFile(file, 'scored data'), file);
}

export function parseScoredData(text: string, file: string): ScoredExample[] {
  return parseJsonLines(text, file, LineSchema, 'scored data').map(({ id, line, value }) => ({
    id,
    line,
    // The prompt is what the router saw (RouteLLM routes multi-turn MT-Bench on its first turn).
    messages: lineMessages(value),
    scores: value.scores,
    costs: value.costs,
    contaminated: value.contaminated ?? false,
  }));
}

export function scoredModels(examples: readonly ScoredExample[]): { complete: string[]; partial: string[] } {
  const counts = new Map<string, number>();
  for (const example of examples) for (const model of Object.keys(example.scores)) counts.set(model, (counts.get(model) ?? 0) + 1);
  const complete: string[] = [];
  const partial: string[] = [];
  for (const [model, seen] of counts) (seen === examples.length ? complete : partial).push(model);
  return { complete, partial };
}

/**
 * Parses `--map data=catalog` pairs. Returns data name → catalog name.
 */
export function parseModelMap(pairs: readonly string[] | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of pairs ?? []) {
    const equals = pair.lastIndexOf('=');
    if (equals <= 0 || equals === pair.length - 1) throw new DataFileError(`--map expects DATA_MODEL=CATALOG_MODEL, got "${pair}"`);
    map.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  return map;
}

/** A stable split: the same id always lands on the same side, whatever the file order. */
export function inHoldout(id: string, fraction: number, seed: number): boolean {
  let hash = (2166136261 ^ seed) >>> 0;
  for (let index = 0; index < id.length; index++) {
    hash ^= id.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  hash ^= hash >>> 12;
  return (hash >>> 0) / 4294967296 < fraction;
}
