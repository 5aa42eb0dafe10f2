import { z } from 'zod';
import { parseJsonLines, readDataFile } from '../learning/json-lines.js';

const TaskLineSchema = z.looseObject({ id: z.union([z.string().min(1), z.number()]).optional(), benchmark: z.string().min(1).optional() });

/**
 * Example id → task, from each line's optional `benchmark` field (RouterBench names the task there),
 * read apart from the scored data so routing and training never see it. Undefined when no line has one.
 */
export function readTaskLabels(file: string): Map<string, string> | undefined {
  const tasks = new Map<string, string>();
  for (const { id, value } of parseJsonLines(readDataFile(file, 'scored data'), file, TaskLineSchema, 'scored data')) {
    if (value.benchmark !== undefined) tasks.set(id, value.benchmark);
  }
  return tasks.size === 0 ? undefined : tasks;
}
