// Starting, pinning and measuring the benchmark's processes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TICKS = 100; // clock ticks per second of /proc/<pid>/stat on Linux

/**
 * The target under test gets the last core to itself; the load generator and the fake upstream
 * share the others. Without taskset or with one core, nothing is pinned (and the report says so).
 */
export const TARGET_CORE = existsSync('/usr/bin/taskset') && cpus().length >= 2 ? String(cpus().length - 1) : undefined;
export const LOAD_CORES = TARGET_CORE === undefined ? undefined : `0-${cpus().length - 2}`;

export function pinSelfToLoadCores() {
  if (LOAD_CORES !== undefined) spawnSync('/usr/bin/taskset', ['-pc', LOAD_CORES, String(process.pid)], { stdio: 'ignore' });
}

function spawnOn(cores, args, options) {
  return cores === undefined ? spawn(process.execPath, args, options) : spawn('/usr/bin/taskset', ['-c', cores, process.execPath, ...args], options);
}

/** A child that prints its URL as its first line. */
function startPrintingUrl(cores, args) {
  const child = spawnOn(cores, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it printed its URL`)));
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) {
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        child.removeAllListeners('exit');
        resolve({ child, pid: child.pid, url: text.split('\n')[0].trim() });
      }
    });
  });
}

export const startUpstream = (chunkIntervalMs = 0) => startPrintingUrl(LOAD_CORES, [join(root, 'bench/gateway/upstream.mjs'), String(chunkIntervalMs)]);
export const startMinimalProxy = (upstream, { nodeArgs = [] } = {}) => startPrintingUrl(TARGET_CORE, [...nodeArgs, join(root, 'bench/gateway/minimal-proxy.mjs'), upstream]);
/** The proxy that parses and re-serialises each request body, as the independent harness's does (bench/gateway/parsing-proxy.mjs). */
export const startParsingProxy = (upstream) => startPrintingUrl(TARGET_CORE, [join(root, 'bench/gateway/parsing-proxy.mjs'), upstream]);

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * `switchyard serve` as a user runs it (from this checkout's dist/, or `main` of another build):
 * the bench config (or `config`, with `env` added), a fresh trace database, info-level request logs
 * to a file (`log`, with whatever `nodeArgs` such as --trace-gc print). `spawnedAt` is on the
 * performance.now() clock.
 */
export async function startSwitchyard(upstream, { withoutTraces = false, main = join(root, 'dist/cli/main.js'), nodeArgs = [], virtualKey, config = join(root, 'bench/gateway/switchyard.yaml'), env = {}, keyStore } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  // A virtual key with limits (`virtualKey`: the `keys create` options), created in the store before the gateway opens it
  // (`keyStore`: where, as `keys` options; default the fresh trace database).
  const key = virtualKey === undefined ? undefined : createVirtualKey(main, keyStore ?? ['--db', join(dir, 'traces.db')], virtualKey);
  const port = await freePort();
  const log = join(dir, 'gateway.log');
  const spawnedAt = performance.now();
  const child = spawnOn(TARGET_CORE, [...nodeArgs, withoutTraces ? join(root, 'bench/gateway/serve-without-traces.mjs') : main, 'serve', '--config', config, '--port', String(port)], {
    stdio: ['ignore', openSync(log, 'w'), 'inherit'],
    env: { ...process.env, BENCH_UPSTREAM: upstream, BENCH_DB: join(dir, 'traces.db'), SWITCHYARD_LOG_LEVEL: 'info', ...env },
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (exited) throw new Error(`switchyard serve exited during startup; see ${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      if (tries > 200) throw new Error(`switchyard serve did not answer /healthz within 10 s; see ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, pid: child.pid, url, dir, log, db: join(dir, 'traces.db'), spawnedAt, ...(key === undefined ? {} : { key }) };
}

function createVirtualKey(main, store, options) {
  const created = spawnSync(process.execPath, [main, 'keys', 'create', ...store, '--json', ...options], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`switchyard keys create failed: ${created.stderr}`);
  return JSON.parse(created.stdout).secret;
}

export function stop({ child, dir }) {
  return new Promise((resolve) => {
    const done = () => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', done);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

/** CPU seconds (user + system, all threads) the process has used so far. */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Resident set size now and at its peak (VmHWM), in MB. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** Where a target started with HEAP_PROBE_ARGS writes its live heap when asked. */
export const liveHeapFile = (pid) => join(tmpdir(), `switchyard-bench-live-heap-${pid}.json`);

/** Node options that let liveHeapMb() ask the target for its live set (bench/gateway/heap-probe.mjs). */
export const HEAP_PROBE_ARGS = ['--expose-gc', '--import', pathToFileURL(join(root, 'bench/gateway/heap-probe.mjs')).href];

/** The target's live JS heap in MB, after a full collection (the target runs with HEAP_PROBE_ARGS). */
export async function liveHeapMb(pid) {
  const file = liveHeapFile(pid);
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  // The probe renames the file into place once written, so a file that is there is whole.
  for (let tries = 0; tries < 200; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    if (!existsSync(file)) continue;
    const { liveHeapMb: mb } = JSON.parse(readFileSync(file, 'utf8'));
    rmSync(file);
    return mb;
  }
  throw new Error(`process ${pid} did not report its live heap within 5 s`);
}

export function machine() {
  const list = cpus();
  return { cpu: list[0]?.model ?? 'unknown', cores: list.length, node: process.version, pinned: TARGET_CORE !== undefined };
}
