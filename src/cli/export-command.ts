import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { feedbackToScored, type Skip } from '../telemetry/feedback-to-scored.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { openForReading, storeSource } from './stats-command.js';
import { parseTimeOption } from './time-range.js';

export const EXPORT_USAGE = `Usage: switchyard export --format jsonl [--config FILE] [--db FILE | --postgres URL] [--since WHEN] [--until WHEN] [--key ID] [--team NAME] [--out FILE]

Writes the traces that received feedback (POST /v1/feedback) as scored data that \`switchyard
train\` and \`eval\` read: one JSON object per line, {"id", "messages", "scores", "costs"?}. The
served model scores the feedback's score; a better_model scores 1 (and the served model 0 unless
a score says otherwise). Needs the prompts: set storage.store_prompts: true in the gateway's config.

Options:
      --format jsonl  The output format (the only one)
  -c, --config FILE   Config whose trace store to read: storage.postgres when set, else storage.path (default: $SWITCHYARD_CONFIG, ./switchyard.yaml, or the quickstart config)
      --db FILE       Read this SQLite trace store instead
      --postgres URL  Read the trace store in this PostgreSQL database instead
      --since WHEN    A duration back from now (30m, 24h, 7d), an ISO time or epoch ms
      --until WHEN    End, exclusive
      --key ID        Only the traces of this virtual key (key_...)
      --team NAME     Only the traces of this team's keys
  -o, --out FILE      Write here (default: standard output)
  -h, --help          Show this help`;

export async function exportCommand(args: string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        format: { type: 'string' },
        config: { type: 'string', short: 'c' },
        db: { type: 'string' },
        postgres: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        key: { type: 'string' },
        team: { type: 'string' },
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(EXPORT_USAGE);
      return 0;
    }
    if (values.format !== 'jsonl') throw new UsageError(values.format === undefined ? 'missing --format jsonl' : `unsupported --format "${values.format}"; supported: jsonl`);
    const now = Date.now();
    const store = await openForReading(storeSource(values, io));
    const lines: string[] = [];
    const skipped: Record<Skip, number> = { no_prompt: 0, no_score: 0 };
    try {
      for await (const { trace, feedback } of store.withFeedback({ since: parseTimeOption('--since', values.since, now), until: parseTimeOption('--until', values.until, now), keyId: values.key, team: values.team })) {
        const result = feedbackToScored(trace, feedback);
        if ('skip' in result) skipped[result.skip]++;
        else lines.push(JSON.stringify(result.line));
      }
    } finally {
      await store.close();
    }
    const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
    if (values.out !== undefined) writeFileSync(resolve(io.cwd, values.out), text);
    else if (text !== '') io.out(text.slice(0, -1));
    const notes: string[] = [];
    if (skipped.no_prompt > 0) notes.push(`${skipped.no_prompt} without their prompt (storage.store_prompts was off)`);
    if (skipped.no_score > 0) notes.push(`${skipped.no_score} whose feedback has no score or better_model`);
    io.err(`exported ${lines.length} scored lines${values.out === undefined ? '' : ` to ${values.out}`}${notes.length > 0 ? `; skipped ${notes.join(', ')}` : ''}`);
    return 0;
  } catch (error) {
    return reportFailure(io, error, EXPORT_USAGE);
  }
}
