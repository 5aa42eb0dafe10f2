import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { ChatMessage } from '../spec/chat-request.js';
import { describeZodIssues } from '../util/describe-zod-issues.js';

export class DataFileError extends Error {}

/** A line that passed its schema, with its id and where it was. */
export type JsonLine<Value> = { id: string; line: number; value: Value };

/** Reads a file for `parseJsonLines`; a missing file is a DataFileError naming it. */
export function readDataFile(file: string, kind: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataFileError(`cannot read ${kind} ${file}: ${(error as Error).message}`);
  }
}

/**
 * Parses a JSON-lines data file line by line against `schema`. Every bad line is reported
 * (file:line, the key and what was expected), up to a limit, instead of stopping at the first;
 * ids must be unique (a line without `id` is named by its line number).
 */
export function parseJsonLines<Schema extends z.ZodType<{ id?: string | number | undefined }>>(
  text: string,
  file: string,
  schema: Schema,
  kind: string,
): JsonLine<z.output<Schema>>[] {
  const lines: JsonLine<z.output<Schema>>[] = [];
  const problems: string[] = [];
  const ids = new Map<string, number>();
  const raws = text.split('\n');
  for (let index = 0; index < raws.length; index++) {
    const raw = raws[index]?.trim() ?? '';
    if (raw === '') continue;
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      problems.push(`${file}:${line}: not valid JSON (${(error as Error).message})`);
      continue;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of describeZodIssues(parsed.error.issues, value, schema)) {
        const path = issue.path.join('.');
        problems.push(`${file}:${line}: ${path === '' ? '' : `${path}: `}${issue.message}`);
      }
      continue;
    }
    const id = parsed.data.id === undefined ? `line-${line}` : String(parsed.data.id);
    const earlier = ids.get(id);
    if (earlier !== undefined) {
      problems.push(`${file}:${line}: id "${id}" repeats the id of line ${earlier}`);
      continue;
    }
    ids.set(id, line);
    lines.push({ id, line, value: parsed.data });
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? [`... and ${problems.length - shown.length} more`] : [];
    throw new DataFileError([`Invalid ${kind} (${problems.length} problems):`, ...shown.map((p) => `  ${p}`), ...more].join('\n'));
  }
  if (lines.length === 0) throw new DataFileError(`${file}: no ${kind} (expected one JSON object per line)`);
  return lines;
}

/** The conversation of a data line: `prompt` as one user message, else its `messages`. */
export function lineMessages(line: { prompt?: string | undefined; messages?: unknown[] | undefined }): ChatMessage[] {
  return line.prompt !== undefined ? [{ role: 'user', content: line.prompt }] : (line.messages as ChatMessage[]);
}
