import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { listNames } from '../util/describe-value.js';
import { Gateway } from '../gateway/gateway.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import { defaultRouterName } from '../evaluation/replay.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { parseMetadata } from './parse-metadata.js';

export const ROUTE_USAGE = `Usage: switchyard route [--config FILE] [--router NAME] [--metadata KEY=VALUE]... [--route NAME] TEXT

Prints, as JSON, the Decision the gateway would make for a user message TEXT. No answering model
is called; a router's LLM classifier or embeddings model is, since the decision depends on it.
It is the same object POST /v1/route returns for the same input.

Options:
  -c, --config FILE        Config file (default: $SWITCHYARD_CONFIG, ./switchyard.yaml, or the quickstart config)
  -r, --router NAME        Router (or model) to ask (default: "auto", or the only router)
  -m, --metadata KEY=VALUE A routing hint, as a client sends in the body's "metadata" (repeatable)
      --route NAME         Force a route, as the x-switchyard-route header does
  -h, --help               Show this help`;

export async function routeCommand(args: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        router: { type: 'string', short: 'r' },
        metadata: { type: 'string', short: 'm', multiple: true },
        route: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(ROUTE_USAGE);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('missing TEXT to route');
    const config = loadConfig({ explicit: values.config, env: io.env, cwd: io.cwd });
    // A concrete model may be named too, so only the default comes from the routers.
    const router = values.router ?? defaultRouterName(config);
    if (router === undefined) throw new UsageError(`choose a router with --router; routers: ${listNames([...config.routers.keys()])}`);
    const request = createChatRequest(router, positionals.join(' '), {
      metadata: values.metadata === undefined ? undefined : parseMetadata(values.metadata),
    });
    const gateway = await Gateway.create(config);
    try {
      const { decision } = await gateway.route(request, { route: values.route });
      io.out(JSON.stringify(decision, null, 2));
    } finally {
      await gateway.close();
    }
    return 0;
  } catch (error) {
    return reportFailure(io, error, ROUTE_USAGE);
  }
}
