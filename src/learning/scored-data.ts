import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ChatMessage } from '../spec/chat-request.js';
import { describeZodIssues } from '../util/describe-zod-issues.js';

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

const MessageSchema = z.looseObject({
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

export class ScoredDataError extends Error {}

/**
 * Reads a JSONL file of scored examples. Every bad line is reported (file:line, the key and what
 * was expected), up to a limit, instead of stopping at the first.
 */
export function readScoredData(file: string): ScoredExample[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScoredDataError(`cannot read scored data ${file}: ${(error as Error).message}`);
  }
  return parseScoredData(text, file);
}

export function parseScoredData(text: string, file: string): ScoredExample[] {
  const examples: ScoredExample[] = [];
  const problems: string[] = [];
  const ids = new Map<string, number>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]?.trim() ?? '';
    if (raw === '') continue;
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      problems.push(`${file}:${line}: not valid JSON (${(error as Error).message})`);
      continue;
    }
    const parsed = LineSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of describeZodIssues(parsed.error.issues, value, LineSchema)) {
        const path = issue.path.join('.');
        problems.push(`${file}:${line}: ${path === '' ? '' : `${path}: `}${issue.message}`);
      }
      continue;
    }
    const data = parsed.data;
    const id = String(data.id);
    const earlier = ids.get(id);
    if (earlier !== undefined) {
      problems.push(`${file}:${line}: id "${id}" repeats the id of line ${earlier}`);
      continue;
    }
    ids.set(id, line);
    examples.push({
      id,
      line,
      // The prompt is what the router saw (RouteLLM routes multi-turn MT-Bench on its first turn).
      messages: data.prompt !== undefined ? [{ role: 'user', content: data.prompt }] : (data.messages as ChatMessage[]),
      scores: data.scores,
      costs: data.costs,
      contaminated: data.contaminated ?? false,
    });
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? [`... and ${problems.length - shown.length} more`] : [];
    throw new ScoredDataError([`Invalid scored data (${problems.length} problems):`, ...shown.map((p) => `  ${p}`), ...more].join('\n'));
  }
  if (examples.length === 0) throw new ScoredDataError(`${file}: no scored examples (expected one JSON object per line)`);
  return examples;
}

/** Models scored on every example (in first-seen order), and those scored on only some. */
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
    if (equals <= 0 || equals === pair.length - 1) throw new ScoredDataError(`--map expects DATA_MODEL=CATALOG_MODEL, got "${pair}"`);
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
