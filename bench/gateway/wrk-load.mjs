// JSON load from wrk with one thread, the load generator the independent harness (gatewaybench)
// uses: C, with latencies in microseconds (autocannon's histograms round to whole milliseconds).
// Same result shape as load.mjs#jsonLoad. wrk runs on whatever cores this process is pinned to.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WRK = '/usr/bin/wrk';
/** Why wrk cannot run here, or undefined. */
export const wrkMissing = existsSync(WRK) ? undefined : `${WRK} not found (apt-get install wrk)`;

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'wrk-post.lua');
const SUMMARY = 'WRK_SUMMARY ';

/** wrk's summary line (printed by wrk-post.lua) as load.mjs#jsonLoad's result: latencies in ms, non-2xx apart from the requests. */
export function readWrkSummary(stdout) {
  const line = stdout.split('\n').find((text) => text.startsWith(SUMMARY));
  if (line === undefined) return undefined;
  const s = JSON.parse(line.slice(SUMMARY.length));
  const requests = s.requests - s.status;
  return {
    requests,
    perSecond: requests / (s.durationMicros / 1e6),
    p50: s.p50 / 1000,
    p99: s.p99 / 1000,
    non2xx: s.status,
    errors: s.connect + s.read + s.write + s.timeout,
    // Which socket errors: a target starved of CPU shows as timeouts, one that closes connections as read errors.
    errorKinds: { connect: s.connect, read: s.read, write: s.write, timeout: s.timeout },
  };
}

/**
 * `connections` keep-alive connections from one wrk thread for `seconds`, POSTing `bodies` (JSON
 * strings) in turn to `url` + `path` with `headers`.
 */
export async function wrkLoad(url, { connections, seconds, path, headers, bodies }) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-wrk-'));
  const file = join(dir, 'bodies.jsonl');
  writeFileSync(file, `${bodies.join('\n')}\n`);
  const args = ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', SCRIPT];
  // wrk-post.lua sets the content type; a second one from here would go out as a second header.
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'content-type') args.push('-H', `${name}: ${value}`);
  args.push(`${url}${path}`);
  try {
    const { code, stdout, stderr } = await new Promise((resolve, reject) => {
      const child = spawn(WRK, args, { env: { ...process.env, WRK_BODIES: file }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (err += chunk));
      child.once('error', reject);
      child.once('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
    });
    const result = readWrkSummary(stdout);
    if (result === undefined) throw new Error(`wrk printed no summary (exit ${code}): ${stderr || stdout}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
