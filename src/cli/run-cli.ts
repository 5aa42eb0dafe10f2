import { readFileSync } from 'node:fs';
import type { CliIo } from './cli-io.js';

type Command = (args: string[], io: CliIo) => number | Promise<number>;

/** Each command's module, loaded when it runs: `serve` does not load what training, `eval` or `keys` need (memory, start time). */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve-command.js')).serveCommand,
  route: async () => (await import('./route-command.js')).routeCommand,
  'check-config': async () => (await import('./check-config-command.js')).checkConfigCommand,
  train: async () => (await import('./train-command.js')).trainCommand,
  eval: async () => (await import('./eval-command.js')).evalCommand,
  calibrate: async () => (await import('./calibrate-command.js')).calibrateCommand,
  retrain: async () => (await import('./retrain-command.js')).retrainCommand,
  'fit-routes': async () => (await import('./fit-routes-command.js')).fitRoutesCommand,
  stats: async () => (await import('./stats-command.js')).statsCommand,
  export: async () => (await import('./export-command.js')).exportCommand,
  batch: async () => (await import('./batch-command.js')).batchCommand,
  keys: async () => (await import('./keys-command.js')).keysCommand,
};

const USAGE = `Usage: switchyard <command> [options]

Switchyard sends each LLM request to the cheapest model that will do it well.

Commands:
  serve          Run the gateway (OpenAI-compatible /v1/chat/completions)
  route TEXT     Print the routing Decision for TEXT, without calling an answering model
  check-config   Validate a config and explain every error
  eval DATA      Replay scored data through a router offline: cost, quality, APGR
  train DATA     Train a router that predicts each model's score from the prompt
  calibrate DATA Pick the min_quality / threshold that meets a quality or cost target
  retrain        Retrain a router's classifier file on its scored traffic; promote it only if better
  fit-routes DATA  Tune example routes' similarity thresholds from labelled prompts
  stats          What the routing did over a period, from the trace store
  export         Traces with feedback as scored data for train and eval
  batch IN       Route every request of a JSON-lines file, N at a time, into a results file (resumable)
  keys           Virtual keys: create, list, show, update, revoke, rotate

Run "switchyard <command> --help" for a command's options.`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  const load = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load !== undefined) return (await load())(args, io);
  switch (command) {
    case '--version':
    case '-v': {
      const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      io.out(manifest.version);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.err(`error: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
