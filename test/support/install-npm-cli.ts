import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where a CLI from npm was installed, or why it could not be (the test then skips, saying so). */
export type InstalledCli = { bin: string; unavailable?: undefined } | { bin?: undefined; unavailable: string };

/**
 * Installs a command-line client from npm (`@anthropic-ai/claude-code`, `@openai/codex`) once per
 * machine, into a cache directory under the temp directory named after the package and version, so
 * later runs reuse it. The install is proven by running `<bin> --version`; a failure of either is
 * the reason to skip, never a test failure, since only npm's reachability is in question.
 */
export async function installNpmCli(packageName: string, version: string, binName: string): Promise<InstalledCli> {
  const prefix = join(tmpdir(), `switchyard-${packageName.replace(/^@[^/]+\//, '')}-${version}`);
  const bin = join(prefix, 'node_modules', '.bin', binName);
  try {
    if (!existsSync(bin)) {
      mkdirSync(prefix, { recursive: true });
      await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `${packageName}@${version}`], { timeout: 240_000 });
    }
    await run(bin, ['--version'], { timeout: 30_000 });
    return { bin };
  } catch (error) {
    return { unavailable: `npm could not install and run ${packageName}@${version}: ${String((error as Error).message).split('\n')[0]}` };
  }
}
