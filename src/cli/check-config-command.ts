import { parseArgs } from 'node:util';
import { findConfig, loadConfigFile, loadQuickstartConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { missingAuthWarning } from '../server/missing-auth-warning.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';

export const CHECK_CONFIG_USAGE = `Usage: switchyard check-config [FILE]

Validates a config and explains every error at once: the file, the line, the key path, what
was expected and what was found. Exits 0 when the config is valid, 1 when it is not.

FILE defaults to $SWITCHYARD_CONFIG, then ./switchyard.yaml, then the built-in quickstart config.

Options:
  -h, --help   Show this help`;

export function checkConfigCommand(args: string[], io: CliIo): number {
  try {
    const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    if (values.help) {
      io.out(CHECK_CONFIG_USAGE);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError('check-config takes at most one FILE');
    const file = findConfig({ explicit: positionals[0], env: io.env, cwd: io.cwd });
    const config = file === undefined ? loadQuickstartConfig({ env: io.env }) : loadConfigFile(file, { env: io.env });
    io.out(summarize(config));
    return 0;
  } catch (error) {
    return reportFailure(io, error, CHECK_CONFIG_USAGE);
  }
}

function summarize(config: ResolvedConfig): string {
  const providers = [...config.providers.values()];
  const enabled = providers.filter((provider) => !provider.disabled).map((provider) => provider.name);
  const server = config.server;
  const keys = server.apiKeys.length;
  const admins = server.adminKeys.length;
  const lines = [
    `${config.source}: OK`,
    `  providers: ${providers.length} (${enabled.length} enabled${enabled.length > 0 ? `: ${enabled.join(', ')}` : ''})`,
    `  models:    ${config.models.size}`,
    `  routers:   ${[...config.routers.values()].map((router) => `${router.name} (${router.routes.length} routes)`).join(', ') || '(none)'}`,
    `  auth:      ${keys + admins === 0 ? `none${server.auth === 'none' ? ' (auth: none)' : ''}` : `${keys} API key${keys === 1 ? '' : 's'}${admins > 0 ? ` and ${admins} admin key${admins === 1 ? '' : 's'}` : ''} required`}`,
  ];
  for (const warning of config.warnings) lines.push(`  warning: ${warning}`);
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  const authWarning = missingAuthWarning(server, { host: server.host, url: `http://${host}:${server.port}` });
  if (authWarning) lines.push(`  warning: ${authWarning}`);
  return lines.join('\n');
}
