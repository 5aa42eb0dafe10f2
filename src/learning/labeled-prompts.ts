import { z } from 'zod';
import type { ChatMessage } from '../spec/chat-request.js';
import { lineMessages, parseJsonLines, readDataFile } from './json-lines.js';
import { MessageSchema } from './scored-data.js';

/** One line of `switchyard fit-routes` input: a prompt and the route it should take. */
export type LabeledPrompt = { id: string; line: number; messages: ChatMessage[]; route: string };

const LineSchema = z
  .looseObject({
    id: z.union([z.string().min(1), z.number()]).optional(),
    prompt: z.string().optional(),
    messages: z.array(MessageSchema).min(1).optional(),
    /** A route name of the router, or `default` for prompts no specific route should take. */
    route: z.string().min(1, { error: 'expected a route name, or "default"' }),
  })
  .refine((line) => line.prompt !== undefined || line.messages !== undefined, { error: 'expected "prompt" or "messages"' });

export function readLabeledPrompts(file: string): LabeledPrompt[] {
  return parseLabeledPrompts(readDataFile(file, 'labelled prompts'), file);
}

export function parseLabeledPrompts(text: string, file: string): LabeledPrompt[] {
  return parseJsonLines(text, file, LineSchema, 'labelled prompts').map(({ id, line, value }) => ({ id, line, messages: lineMessages(value), route: value.route }));
}
