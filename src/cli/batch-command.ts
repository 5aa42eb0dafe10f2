import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import { defaultRouterName } from '../evaluation/replay.js';
import type { BatchItem, BatchOutcome } from '../gateway/gateway-batch.js';
import { Gateway } from '../gateway/gateway.js';
import { errorToHttp } from '../server/error-to-http.js';
import { listNames } from '../util/describe-value.js';
import type { AnswerEncoder, BatchFormat } from './batch-formats.js';
import { readBatchLine, toBatchLine, type BatchLineFormat } from './batch-line.js';
import { BatchOutput, resumeOutput } from './batch-output.js';
import { BatchProgress } from './batch-progress.js';
import { BatchTally, type BatchStatus, type TalliedLine } from './batch-tally.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { parseNumberOption } from './number-option.js';
import { countTextLines, readTextLines } from './read-text-lines.js';

export const BATCH_USAGE = `Usage: switchyard batch IN.jsonl --out OUT.jsonl [--router NAME] [--concurrency N] [--format F] [--config FILE]

Routes every line of IN.jsonl through the gateway, N at a time, and appends one result line per
input line to OUT.jsonl as each finishes. Run it again with the same OUT to resume: lines whose id
already has a result with status "ok" or "blocked" are skipped, failed ones are tried again.

Each line is a request body: Chat Completions ({"messages": [...]}), Messages ({"messages": [...],
"system": ..., "max_tokens": ...}) or Responses ({"input": ...}), or {"prompt": "..."} (one user
message, answered as Chat Completions). An optional "id" (string or number) names it; by default
its line number does. "stream" is ignored: answers are written whole.

Options:
  -o, --out FILE            Where results go (appended; created if missing)
  -r, --router NAME         Send every line to this router or model, whatever its own "model" says
                            (default: a line's own "model", else "auto" or the only router)
  -n, --concurrency N       Lines in flight at once (default 8)
  -f, --format F            auto (default: detected per line), chat, messages, responses or prompt
      --progress-interval S Seconds between progress lines when stderr is not a terminal (default 5)
  -c, --config FILE         Config file (default: $SWITCHYARD_CONFIG, ./switchyard.yaml, or the quickstart config)
  -h, --help                Show this help

Format detection (auto): "input" -> Responses; "messages" with a top-level "system",
"stop_sequences", "top_k" or "thinking", a tool with "input_schema", or an Anthropic content
block (image, document, tool_use, tool_result, thinking, ...) -> Messages; other "messages" ->
Chat Completions; "prompt" alone -> a prompt line.

Exit code: 0 when every line is done, 1 when some failed, 130 when interrupted (Ctrl-C stops
starting lines, finishes those in flight and prints the summary; a second Ctrl-C exits at once).`;

const FORMATS: readonly BatchLineFormat[] = ['auto', 'chat', 'messages', 'responses', 'prompt'];

/** Invalid and failed lines are named on stderr up to this many; all of them are in OUT. */
const REPORTED_FAILURES = 20;

type InFlight = { line: number; format: BatchFormat; encoder: AnswerEncoder };

export async function batchCommand(args: string[], io: CliIo): Promise<number> {
  let options: BatchCommandOptions;
  let config: ResolvedConfig;
  try {
    options = parseBatchArgs(args);
    if (options.help) {
      io.out(BATCH_USAGE);
      return 0;
    }
    config = loadConfig({ explicit: options.config, env: io.env, cwd: io.cwd });
    if (options.router !== undefined && !knownName(config, options.router)) {
      throw new UsageError(`--router: "${options.router}" is neither a router nor a model of ${config.source}; routers: ${listNames([...config.routers.keys()])}`);
    }
  } catch (error) {
    return reportFailure(io, error, BATCH_USAGE);
  }
  const input = resolve(io.cwd, options.input);
  const out = resolve(io.cwd, options.out);
  let gateway: Gateway | undefined;
  try {
    if (!existsSync(input)) throw new UsageError(`no input file at ${input}`);
    const resumed = await resumeOutput(out);
    if (resumed.repairedBytes > 0) io.err(`${out}: cut a partly written last line (${resumed.repairedBytes} bytes) left by an interrupted run; that line runs again`);
    const total = await countTextLines(input);
    gateway = await Gateway.create(config, { recentTraces: 0 });
    return await runBatchFile(gateway, io, { ...options, input, out, total, done: resumed.done, defaultModel: defaultRouterName(config) });
  } catch (error) {
    return reportFailure(io, error, BATCH_USAGE);
  } finally {
    await gateway?.close();
  }
}

type BatchCommandOptions = {
  input: string;
  out: string;
  router: string | undefined;
  concurrency: number;
  format: BatchLineFormat;
  progressIntervalMs: number;
  config: string | undefined;
  help: boolean;
};

function parseBatchArgs(args: string[]): BatchCommandOptions {
  const { values, positionals } = parseArgs({
    args,
    options: {
      out: { type: 'string', short: 'o' },
      router: { type: 'string', short: 'r' },
      concurrency: { type: 'string', short: 'n' },
      format: { type: 'string', short: 'f' },
      'progress-interval': { type: 'string' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  const help = values.help === true;
  const [input, ...extra] = positionals;
  if (!help && input === undefined) throw new UsageError('missing IN.jsonl, the file of requests');
  if (extra.length > 0) throw new UsageError(`one input file at a time; also got ${extra.join(' ')}`);
  if (!help && values.out === undefined) throw new UsageError('missing --out OUT.jsonl, where the results go (and where a rerun resumes from)');
  const format = values.format ?? 'auto';
  if (!FORMATS.includes(format as BatchLineFormat)) throw new UsageError(`--format expects one of ${FORMATS.join(', ')}, got "${format}"`);
  return {
    input: input ?? '',
    out: values.out ?? '',
    router: values.router,
    concurrency: parseNumberOption('--concurrency', values.concurrency, 8, { integer: true, min: 1, max: 1024 }),
    format: format as BatchLineFormat,
    progressIntervalMs: parseNumberOption('--progress-interval', values['progress-interval'], 5, { min: 0.1 }) * 1000,
    config: values.config,
    help,
  };
}

/** A name `model` may take: a router, a model, or one a `model_aliases` entry maps. */
function knownName(config: ResolvedConfig, name: string): boolean {
  return config.routers.has(name) || config.models.has(name) || config.modelAliases.lookup(name) !== undefined;
}

async function runBatchFile(
  gateway: Gateway,
  io: CliIo,
  options: BatchCommandOptions & { total: number; done: Set<string>; defaultModel: string | undefined },
): Promise<number> {
  const { input, out, done } = options;
  const tally = new BatchTally();
  const output = new BatchOutput(out);
  const progress = new BatchProgress(
    { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY === true },
    options.total,
    () => ({ finished: tally.finished, failed: tally.failed, skipped: tally.skipped, costUsd: tally.costUsd }),
    { intervalMs: options.progressIntervalMs },
  );
  let reported = 0;
  const write = (record: Record<string, unknown> & { status: BatchStatus }, tallied: TalliedLine): void => {
    output.write(record);
    tally.record(tallied);
    if (record.status !== 'error' && record.status !== 'invalid') return;
    const error = record['error'] as { message: string };
    if (++reported <= REPORTED_FAILURES) progress.note(`${input}:${String(record['line'])} (id ${String(record['id'])}): ${record.status === 'invalid' ? 'invalid' : 'failed'}: ${error.message}`);
    else if (reported === REPORTED_FAILURES + 1) progress.note(`more failed lines are not shown here: their results in ${out} have status "error" or "invalid"`);
  };

  // Lines in flight (at most --concurrency): what their results need that the gateway does not carry.
  const inFlight = new Map<string, InFlight>();
  const started = new Set<string>();
  const stop = new AbortController();
  async function* items(): AsyncGenerator<BatchItem> {
    for await (const { line, text } of readTextLines(input)) {
      const read = readBatchLine(text, line);
      if (done.has(read.id)) {
        tally.skipped++;
        continue;
      }
      if (started.has(read.id)) {
        const message = `Invalid line: id: "${read.id}" is the id of an earlier line of this run; ids must be unique.`;
        write(invalidRecord(read.id, line, undefined, { kind: 'invalid_request', message, param: 'id' }), failedLine('invalid'));
        continue;
      }
      started.add(read.id);
      const parsed = toBatchLine(read, { format: options.format, router: options.router, defaultModel: options.defaultModel });
      if ('error' in parsed) {
        write(invalidRecord(parsed.id, line, parsed.format, errorFields(parsed.error)), failedLine('invalid'));
        continue;
      }
      inFlight.set(parsed.id, { line, format: parsed.format, encoder: parsed.encoder });
      yield { id: parsed.id, request: parsed.request };
    }
  }

  let interrupts = 0;
  const onInterrupt = (): void => {
    if (++interrupts > 1) process.exit(130);
    stop.abort();
    progress.note(`stopping: no new lines; waiting for the ${inFlight.size} in flight (Ctrl-C again to exit now)`);
  };
  process.on('SIGINT', onInterrupt);
  progress.start();
  try {
    for await (const { id, outcome } of gateway.batch(items(), { concurrency: options.concurrency, signal: stop.signal })) {
      const item = inFlight.get(id) as InFlight;
      inFlight.delete(id);
      const record = resultRecord(id, item, outcome);
      write(record, tallied(record.status, outcome));
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.stop();
    output.close();
  }
  const interrupted = stop.signal.aborted;
  io.out(tally.format({ file: input, out, total: options.total, interrupted }));
  if (interrupted && tally.finished + tally.skipped < options.total) return 130;
  return tally.failed > 0 ? 1 : 0;
}

type ErrorFields = { kind: string; message: string; status?: number; code?: string | null; param?: string | null };

function errorFields(error: SwitchyardError): ErrorFields {
  const { status, body } = errorToHttp(error);
  return { kind: error.kind, message: error.message, status, code: body.error.code, param: body.error.param };
}

function invalidRecord(id: string, line: number, format: BatchFormat | undefined, error: ErrorFields): Record<string, unknown> & { status: BatchStatus } {
  return { id, line, status: 'invalid', format: format ?? null, model: null, router: null, route: null, cost_usd: null, savings_usd: null, trace_id: null, error };
}

/**
 * One result line: `status` ok (answered), blocked (the route's message), error (no model
 * answered) or invalid (the line was not a valid request); the answer in the line's own dialect.
 */
function resultRecord(id: string, item: InFlight, outcome: BatchOutcome): Record<string, unknown> & { status: BatchStatus } {
  const base = { id, line: item.line, format: item.format };
  if (outcome.type === 'rejected') {
    return { ...base, status: 'error', model: null, router: null, route: null, cost_usd: null, savings_usd: null, trace_id: null, error: errorFields(outcome.error) };
  }
  const { trace, decision, traceId } = outcome;
  const routed = { router: decision.router, route: decision.route, cost_usd: trace.costUsd ?? null, savings_usd: trace.savingsUsd ?? null, trace_id: traceId };
  switch (outcome.type) {
    case 'completion':
      return { ...base, status: 'ok', model: outcome.model.name, ...routed, response: item.encoder.answer(outcome.result, outcome.model.name, traceId) };
    case 'blocked':
      return { ...base, status: 'blocked', model: null, ...routed, response: item.encoder.blocked(outcome.message, traceId) };
    case 'error':
      return { ...base, status: 'error', model: null, ...routed, error: errorFields(outcome.error) };
  }
}

function tallied(status: BatchStatus, outcome: BatchOutcome): TalliedLine {
  if (outcome.type === 'rejected') return failedLine(status);
  const { trace } = outcome;
  return { status, model: trace.model, route: trace.route, costUsd: trace.costUsd, referenceCostUsd: trace.referenceCostUsd, savingsUsd: trace.savingsUsd };
}

function failedLine(status: BatchStatus): TalliedLine {
  return { status, model: null, route: null, costUsd: undefined, referenceCostUsd: undefined, savingsUsd: undefined };
}
