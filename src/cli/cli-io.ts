import { ConfigError } from '../errors/config-error.js';

/** Where commands write; injectable so tests can run them in-process. */
export type CliIo = {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
};

export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
};

/** Thrown for a wrong invocation: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** Prints what a command failed with and returns its exit code. */
export function reportFailure(io: CliIo, error: unknown, usage: string): number {
  if (error instanceof UsageError) {
    io.err(`error: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (ConfigError.isInstance(error) && error.kind === 'config') {
    io.err(error.message);
    return 1;
  }
  io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
