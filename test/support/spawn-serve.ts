import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type ServeProcess = {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Every JSON log line so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the first log line (present or future) whose `msg` matches. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the process exits: its code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills it if it still runs (test cleanup). */
  stop(): void;
};

/** `switchyard serve --config FILE --port 0` from the built `dist/`, as an operator runs it; resolves once it listens. */
export async function spawnServe(configFile: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve', '--config', configFile, '--port', '0'], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const watchers = new Set<(line: Record<string, unknown>) => void>();
  let pending = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const text of complete) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const watch of watchers) watch(line);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const waitForLog = (pattern: RegExp, timeoutMs = 10_000): Promise<Record<string, unknown>> => {
    const matches = (line: Record<string, unknown>): boolean => pattern.test(String(line['msg']));
    const found = lines.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(watch);
        reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; stderr: ${stderr}; log: ${lines.map((line) => line['msg']).join(' | ')}`));
      }, timeoutMs);
      const watch = (line: Record<string, unknown>): void => {
        if (!matches(line)) return;
        clearTimeout(timer);
        watchers.delete(watch);
        resolve(line);
      };
      watchers.add(watch);
    });
  };

  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const listening = await Promise.race([
      waitForLog(/^switchyard listening on /),
      exited.then(({ code }) => Promise.reject(new Error(`serve exited with ${code} before listening: ${stderr}`))),
    ]);
    return { child, url: String(listening['url']), lines, waitForLog, exited, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
