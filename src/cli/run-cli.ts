import { readFileSync } from 'node:fs';
import { checkConfigCommand } from './check-config-command.js';
import type { CliIo } from './cli-io.js';
import { routeCommand } from './route-command.js';
import { serveCommand } from './serve-command.js';
import { trainCommand } from './train-command.js';
import { evalCommand } from './eval-command.js';
import { calibrateCommand } from './calibrate-command.js';
import { retrainCommand } from './retrain-command.js';
import { fitRoutesCommand } from './fit-routes-command.js';
import { exportCommand } from './export-command.js';
import { statsCommand } from './stats-command.js';
import { batchCommand } from './batch-command.js';
import { keysCommand } from './keys-command.js';

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
  switch (command) {
    case 'serve':
      return serveCommand(args, io);
    case 'route':
      return routeCommand(args, io);
    case 'check-config':
      return checkConfigCommand(args, io);
    case 'train':
      return trainCommand(args, io);
    case 'eval':
      return evalCommand(args, io);
    case 'calibrate':
      return calibrateCommand(args, io);
    case 'retrain':
      return retrainCommand(args, io);
    case 'fit-routes':
      return fitRoutesCommand(args, io);
    case 'stats':
      return statsCommand(args, io);
    case 'export':
      return exportCommand(args, io);
    case 'batch':
      return batchCommand(args, io);
    case 'keys':
      return keysCommand(args, io);
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
