// Hostile load on loopback: can abusive clients exhaust the gateway while legitimate ones use it?
//
//   npm run build && node bench/hostile-load.mjs [--unbounded] [--seconds N] [--hostile N] [--big N] [--json FILE]
//
// `switchyard serve` (this checkout's dist/) runs as a child under `prlimit --nofile=1024` with the
// fake upstream of bench/gateway. For N seconds (default 20) the script holds 2,000 (--hostile) hostile
// connections open (a third idle, a third sending their headers a line every 2 s, a third sending
// a body 100 bytes every 2 s; each reconnects a second after the gateway closes it), sends 8 (--big)
// concurrent 30 MB bodies (the text in a pass-through field, so what is measured is the bodies'
// memory, not token counting), and meanwhile legitimate clients send small chats: 2 at a time on
// keep-alive connections opened before the flood, and 1 at a time on a new connection each.
// It reports the legitimate requests' latency and failures, the gateway's peak RSS and open
// descriptors, and what the hostile connections got. `--unbounded` sets every limit of
// server: out of reach (node's own timeouts: 60 s for headers, 300 s for a request), which is how
// the gateway behaved before they existed. Everything stops by itself; nothing leaves loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HEAP_PROBE_ARGS, liveHeapMb, root, startUpstream } from './gateway/processes.mjs';

const { values } = parseArgs({ options: { unbounded: { type: 'boolean', default: false }, seconds: { type: 'string', default: '20' }, hostile: { type: 'string', default: '2000' }, big: { type: 'string', default: '8' }, json: { type: 'string' } } });
const SECONDS = Number(values.seconds);
const HOSTILE = Number(values.hostile);
const BIG_BODIES = Number(values.big);
const BIG_BODY_BYTES = 30 * 1024 * 1024;
const DESCRIPTOR_LIMIT = 1_024;
const KEY = 'hostile-bench-key';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted, p) => (sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

function configText(upstream, dir) {
  const limits = values.unbounded
    ? `  max_body_size: 64mb
  max_inflight_body_size: 64gb
  max_messages: 100000000
  max_json_depth: 100000
  max_connections: 1000000
  headers_timeout_ms: 60000
  request_timeout_ms: 300000
`
    : '';
  return `server:
  api_keys: ["${KEY}"]
${limits}storage:
  path: "${join(dir, 'traces.db')}"
providers:
  upstream: { type: openai, base_url: "${upstream}/v1", api_key: "sk-bench", max_connections: 64 }
models:
  small: { provider: upstream, model: bench-small, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
`;
}

async function startGateway(upstream, dir) {
  const config = join(dir, 'switchyard.yaml');
  writeFileSync(config, configText(upstream, dir));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn('prlimit', [`--nofile=${DESCRIPTOR_LIMIT}:${DESCRIPTOR_LIMIT}`, process.execPath, ...HEAP_PROBE_ARGS, join(root, 'dist/cli/main.js'), 'serve', '--config', config, '--port', String(port)], {
    stdio: ['ignore', openSync(join(dir, 'gateway.log'), 'w'), 'inherit'],
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 200; tries++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, url, port };
    } catch {
      await sleep(50);
    }
  }
  child.kill();
  throw new Error(`the gateway did not start; see ${join(dir, 'gateway.log')}`);
}

/** RSS (peak and last) and open descriptors of the gateway, sampled every 100 ms. */
function watch(pid) {
  const stats = { peakRssMb: 0, rssMb: 0, peakDescriptors: 0 };
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      stats.rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
      stats.peakRssMb = Math.max(stats.peakRssMb, stats.rssMb);
      stats.peakDescriptors = Math.max(stats.peakDescriptors, readdirSync(`/proc/${pid}/fd`).length);
    } catch {
      // The process ended.
    }
  };
  const timer = setInterval(sample, 100);
  return { stats, stop: () => clearInterval(timer), sample };
}

/**
 * A legitimate client: small chats, `concurrency` at a time, on a keep-alive pool (its connections
 * opened before the flood), or with `fresh`, each on a new connection (a client that arrives during it).
 */
function legitimateClient(url, until, { concurrency = 2, fresh = false } = {}) {
  const agent = new Agent({ keepAlive: !fresh, maxSockets: concurrency });
  const latencies = [];
  const failures = {};
  const body = JSON.stringify({ model: 'small', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
  const once = () =>
    new Promise((resolve) => {
      const started = performance.now();
      const fail = (why) => {
        failures[why] = (failures[why] ?? 0) + 1;
        resolve();
      };
      const request = httpRequest(
        `${url}/v1/chat/completions`,
        { method: 'POST', agent, timeout: 10_000, headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'content-length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 200) {
              latencies.push(performance.now() - started);
              resolve();
            } else fail(`HTTP ${response.statusCode}`);
          });
          response.on('error', () => fail('response error'));
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error) => fail(error.code ?? error.message));
      request.end(body);
    });
  const worker = async () => {
    while (performance.now() < until) {
      await once();
      await sleep(20);
    }
  };
  return Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
    agent.destroy();
    return { latencies: latencies.sort((a, b) => a - b), failures };
  });
}

/** One hostile connection of `kind`, reconnecting a second after the gateway closes it, until `until`. */
async function hostile(port, kind, until, tally) {
  while (performance.now() < until) {
    await new Promise((resolve) => {
      const opened = performance.now();
      const socket = connect(port, '127.0.0.1');
      let timer;
      let connected = false;
      let answer = '';
      socket.on('error', (error) => {
        tally.errors[error.code ?? 'error'] = (tally.errors[error.code ?? 'error'] ?? 0) + 1;
      });
      socket.on('data', (chunk) => {
        if (answer === '') answer = chunk.toString('latin1', 0, 12);
      });
      socket.on('connect', () => {
        connected = true;
        tally.open++;
        tally.peakOpen = Math.max(tally.peakOpen, tally.open);
        if (kind === 'slow-header') {
          socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n');
          timer = setInterval(() => socket.write('x-slow: 1\r\n'), 2_000);
        } else if (kind === 'slow-body') {
          socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${KEY}\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n{"model":"small","x":"`);
          timer = setInterval(() => socket.write('a'.repeat(100)), 2_000);
        }
      });
      const stopAt = setTimeout(() => socket.destroy(), Math.max(0, until - performance.now()));
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(stopAt);
        if (connected) tally.open--;
        if (performance.now() < until) {
          tally.closedByGateway++;
          const status = answer.startsWith('HTTP/1.1 ') ? answer.slice(9, 12) : 'no answer';
          tally.answers[status] = (tally.answers[status] ?? 0) + 1;
          tally.lifetimesMs.push(performance.now() - opened);
        }
        setTimeout(resolve, 1_000);
      });
    });
  }
}

/** The 8 big bodies at once: text in a pass-through field, a short message. */
function bigBodies(url) {
  const padding = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(BIG_BODY_BYTES / 27)).slice(0, BIG_BODY_BYTES);
  const body = Buffer.from(JSON.stringify({ model: 'small', messages: [{ role: 'user', content: 'Summarise the attachment.' }], x_attachment: padding }));
  return Promise.all(
    Array.from(
      { length: BIG_BODIES },
      () =>
        new Promise((resolve) => {
          const started = performance.now();
          const request = httpRequest(
            `${url}/v1/chat/completions`,
            { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'content-length': body.length } },
            (response) => {
              response.resume();
              response.on('end', () => resolve({ status: response.statusCode, ms: Math.round(performance.now() - started) }));
            },
          );
          request.on('error', (error) => resolve({ status: error.code ?? error.message, ms: Math.round(performance.now() - started) }));
          request.end(body);
        }),
    ),
  );
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-hostile-'));
  const upstream = await startUpstream();
  const gateway = await startGateway(upstream.url, dir);
  const watcher = watch(gateway.child.pid);
  try {
    await sleep(500);
    watcher.sample();
    const idleRssMb = watcher.stats.rssMb;
    const start = performance.now();
    const until = start + SECONDS * 1_000;
    const tally = { open: 0, peakOpen: 0, closedByGateway: 0, answers: {}, errors: {}, lifetimesMs: [] };
    const legit = legitimateClient(gateway.url, until);
    const newcomer = legitimateClient(gateway.url, until, { concurrency: 1, fresh: true });
    const kinds = ['idle', 'slow-header', 'slow-body'];
    const attackers = [];
    // 2,000 connections over the first 4 s.
    for (let index = 0; index < HOSTILE; index++) {
      attackers.push(hostile(gateway.port, kinds[index % kinds.length], until, tally));
      if (index % 50 === 49) await sleep(100);
    }
    const big = bigBodies(gateway.url);
    const [legitimate, fresh, bodies] = await Promise.all([legit, newcomer, big, Promise.all(attackers)]);
    watcher.sample();
    const rssAtEndMb = watcher.stats.rssMb;
    await sleep(5_000);
    watcher.sample();
    const healthy = await fetch(`${gateway.url}/healthz`).then((response) => response.status, (error) => error.message);
    const rssBeforeGcMb = watcher.stats.rssMb;
    // What the gateway still holds, not garbage no collection has come for: node collects only when it allocates.
    const liveHeap = await liveHeapMb(gateway.child.pid);
    await sleep(200);
    watcher.sample();
    const lifetimes = tally.lifetimesMs.sort((a, b) => a - b);
    const report = {
      mode: values.unbounded ? 'unbounded (limits out of reach, node timeouts 60 s / 300 s)' : 'defaults',
      seconds: SECONDS,
      descriptorLimit: DESCRIPTOR_LIMIT,
      legitimate: {
        served: legitimate.latencies.length,
        failed: legitimate.failures,
        p50Ms: round(percentile(legitimate.latencies, 50)),
        p99Ms: round(percentile(legitimate.latencies, 99)),
        maxMs: round(legitimate.latencies.at(-1)),
      },
      newConnections: {
        served: fresh.latencies.length,
        failed: fresh.failures,
        p50Ms: round(percentile(fresh.latencies, 50)),
        p99Ms: round(percentile(fresh.latencies, 99)),
      },
      bigBodies: bodies,
      hostile: {
        peakOpen: tally.peakOpen,
        closedByGateway: tally.closedByGateway,
        answers: tally.answers,
        clientErrors: tally.errors,
        lifetimeP50Ms: round(percentile(lifetimes, 50)),
        lifetimeMaxMs: round(lifetimes.at(-1)),
      },
      gateway: {
        idleRssMb: round(idleRssMb),
        peakRssMb: round(watcher.stats.peakRssMb),
        rssAtEndMb: round(rssAtEndMb),
        rssFiveSecondsLaterMb: round(rssBeforeGcMb),
        liveHeapAfterFullGcMb: round(liveHeap),
        rssAfterFullGcMb: round(watcher.stats.rssMb),
        peakDescriptors: watcher.stats.peakDescriptors,
        healthzAfter: healthy,
      },
    };
    const text = JSON.stringify(report, null, 2);
    console.log(text);
    if (values.json) writeFileSync(values.json, text);
  } finally {
    watcher.stop();
    gateway.child.kill('SIGKILL');
    upstream.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(value) {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}

await main();
