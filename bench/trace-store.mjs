// Does the trace store add latency to requests? Runs the same gateway (rules routing over three
// routes, the in-process mock provider, no network) with its traces written to SQLite on disk, and
// with them dropped, alternating, several times, under the same load, and prints the ratios.
// Run: npm run bench:traces   (uses dist/; about a minute)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? "1,32").split(",").map(Number);
const REPETITIONS = 3;
const PROMPTS = ['What is the capital of Japan?', 'Write a python function to parse CSV files', 'Write a short story about a robot', 'Summarise this paragraph for me please'];
const TICKS = 100; // clock ticks per second of /proc/<pid>/stat on Linux

// The gateway on the last core and the load generator on the others, where taskset exists: the
// two do not steal each other's CPU, so the gateway's own cost shows.
const PIN = existsSync('/usr/bin/taskset') && cpus().length >= 2 ? String(cpus().length - 1) : undefined;
if (PIN !== undefined) spawnSync('/usr/bin/taskset', ['-pc', `0-${cpus().length - 2}`, String(process.pid)]);

function start(mode) {
  const script = join(root, 'bench/trace-store-server.mjs');
  const child = PIN === undefined
    ? spawn(process.execPath, [script, mode], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn('/usr/bin/taskset', ['-c', PIN, process.execPath, script, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const line = text.split('\n')[0];
      if (text.includes('\n') && !child.url) {
        child.url = line;
        resolve(child);
      }
    });
  });
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function load(url, concurrency) {
  const pool = new Pool(url, { connections: concurrency });
  const latencies = [];
  const end = performance.now() + SECONDS * 1000;
  let sent = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: PROMPTS[sent++ % PROMPTS.length] }] });
      const started = performance.now();
      const response = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await response.body.text();
      latencies.push(performance.now() - started);
    }
  };
  // Warm up, then measure.
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { requests: latencies.length, perSecond: latencies.length / SECONDS, p50: at(0.5), p99: at(0.99) };
}

const results = [];
for (const concurrency of CONCURRENCY) {
  for (let repetition = 0; repetition < REPETITIONS; repetition++) {
    for (const mode of repetition % 2 === 0 ? ['none', 'disk'] : ['disk', 'none']) {
      const child = await start(mode);
      await load(child.url, concurrency); // warm-up pass, not counted
      const before = cpuSeconds(child.pid);
      const run = await load(child.url, concurrency);
      const cpu = cpuSeconds(child.pid) - before;
      const rows = new Promise((resolve) => child.stdout.on('data', (chunk) => { const match = /rows (\d+)/.exec(String(chunk)); if (match) resolve(Number(match[1])); }));
      child.kill('SIGTERM');
      results.push({ mode, concurrency, repetition, ...run, cpuMicrosPerRequest: (cpu * 1e6) / run.requests, stored: await rows });
    }
  }
}

const median = (values) => { const sorted = [...values].sort((a, b) => a - b); return sorted[Math.floor(sorted.length / 2)]; };
const summary = CONCURRENCY.map((concurrency) => {
  const of = (mode, key) => median(results.filter((run) => run.mode === mode && run.concurrency === concurrency).map((run) => run[key]));
  return {
    concurrency,
    none: { perSecond: of('none', 'perSecond'), p50: of('none', 'p50'), p99: of('none', 'p99'), cpuMicros: of('none', 'cpuMicrosPerRequest') },
    disk: { perSecond: of('disk', 'perSecond'), p50: of('disk', 'p50'), p99: of('disk', 'p99'), cpuMicros: of('disk', 'cpuMicrosPerRequest') },
  };
});
console.log(`Trace store on disk vs traces dropped; medians of ${REPETITIONS} alternating runs of ${SECONDS} s; ${cpus().length} cores${PIN === undefined ? '' : `, gateway pinned to core ${PIN}, load on the others`}, Node ${process.version}`);
console.log('concurrency  req/s none  req/s disk  ratio  p50 ms none  p50 ms disk  p99 ms none  p99 ms disk  CPU µs/req none  CPU µs/req disk');
for (const row of summary) {
  console.log(
    [row.concurrency, row.none.perSecond.toFixed(0), row.disk.perSecond.toFixed(0), (row.disk.perSecond / row.none.perSecond).toFixed(3), row.none.p50.toFixed(3), row.disk.p50.toFixed(3), row.none.p99.toFixed(3), row.disk.p99.toFixed(3), row.none.cpuMicros.toFixed(0), row.disk.cpuMicros.toFixed(0)]
      .map((cell) => String(cell).padStart(11))
      .join('  '),
  );
}
const stored = results.filter((run) => run.mode === 'disk');
console.log(`every stored run wrote at least as many rows as it measured requests: ${stored.every((run) => run.stored >= run.requests)}`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/trace-store.json'), JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, runs: results, summary }, null, 2));
