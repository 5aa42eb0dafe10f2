// The gateway benchmark (`npm run bench`): Switchyard against the least a Node proxy can do, in
// the same run, on the same machine, alternating, and the overhead budget checked on the result.
//
//   targets   proxy: node:http + an undici pool, bodies passed through (bench/gateway/minimal-proxy.mjs)
//             switchyard: `switchyard serve` with bench/gateway/switchyard.yaml (rules over six
//               routes, fallback chains, API key, cost accounting, SQLite traces on disk, metrics, logs)
//             switchyard-no-traces: the same with every trace dropped (what the trace store costs)
//   load      autocannon for JSON; an undici client for SSE (times the first content token)
//   pinning   each target alone on the last core; load generator and fake upstream on the others
//   paired    at c=64, also every target under load at once, round after round (gateway/paired.mjs):
//             CPU ratios steadier within a run, reported next to the budget's
//   harness   at c=64, also as the independent harness (gatewaybench) measures: wrk, a proxy that parses
//             each body, its request, warm-up before each run (gateway/cpu-ratio-stage.mjs; `npm run bench:cpu-ratio` alone)
//   state     a keyed gateway on Redis state and the PostgreSQL store against the embedded default
//             (gateway/state-stage.mjs; real redis-server and postgres on loopback; `npm run bench:state` alone)
//   held      1,000 streams: live heap per open stream and peak RSS against the proxy's, in rounds
//             (gateway/held-streams-stage.mjs; `npm run bench:held` alone)
//
// Environment: BENCH_SECONDS (per run, default 2), BENCH_REPETITIONS (5), BENCH_SOAK_SECONDS (300),
// BENCH_CONCURRENCY (1,16,64,256). Writes bench/results/gateway.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMicroBenchmarks } from './micro.mjs';
import { jsonLoad, pacedLoad, streamLoad } from './gateway/load.mjs';
import { dialectStage } from './gateway/dialect-stage.mjs';
import { keysStage } from './gateway/keys-stage.mjs';
import { cpuRatioStage } from './gateway/cpu-ratio-stage.mjs';
import { STATE_BUDGET, stateStage, stateStageMissing } from './gateway/state-stage.mjs';
import { readGcEvents } from './gateway/gc-log.mjs';
import { HELD_STREAMS, heldStreamsStage } from './gateway/held-streams-stage.mjs';
import { HELD_STREAMS_BUDGET, heldStreamsMedian, heldStreamsVerdicts } from './gateway/held-streams-budget.mjs';
import { pairedRounds, quartiles } from './gateway/paired.mjs';
import { cpuSeconds, machine, memory, pinSelfToLoadCores, root, startMinimalProxy, startSwitchyard, startUpstream, stop, TARGET_CORE } from './gateway/processes.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const WARMUP_SECONDS = 5;
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 5);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,16,64,256').split(',').map(Number);
const STREAM_CONCURRENCY = [1, 64];
/** Rounds of the held streams, each the proxy and Switchyard afresh (`npm run bench:held` alone): GC timing moves one peak. */
const HELD_ROUNDS = 3;
/** The trace store's latency check: a steady load well below saturation, as a production gateway runs, evenly paced. */
const STEADY_RATE = 1000;
const STEADY_CONNECTIONS = 32;
const PAIRED_ROUNDS = 6;
const PAIRED_SECONDS = 3;
/** As the independent harness's switchyard.sh runs (gateway/cpu-ratio-stage.mjs): rounds, and per target and round a warm-up and a measured run, seconds. */
const HARNESS_WAY = { rounds: 3, warmUpSeconds: 6, seconds: 8 };

const BUDGET = {
  cpuRatio: 1.5, // CPU per request vs the proxy, JSON, concurrency 64, traces on
  throughputRatio: 0.7, // vs the proxy, concurrency 64, pinned
  addedLatencyMs: 0.3, // p50 at concurrency 1
  addedTtftMs: 1, // p50 at concurrency 1
  soakGrowth: 0.05, // the last minute vs the second: RSS, and the heap after full GC
  rulesDecisionMicros: 20,
  trainedDecisionMicros: 200,
  // Issue 6, "the trace store adds no measurable latency": p50 within this of the same gateway dropping its traces.
  traceStoreP50Ms: 0.1,
  // Issue 18: the Anthropic edge's added CPU per request (over the proxy's) within this multiple of the OpenAI edge's, JSON and streams.
  anthropicEdgeRatio: 1.2,
  // Issue 19: the Responses edge's added CPU per request (over the proxy's) within this multiple of the OpenAI edge's, JSON and streams.
  // More room than the Anthropic edge's: it also stores every answer for `previous_response_id` (`store` defaults to true, as at OpenAI).
  responsesEdgeRatio: 1.5,
  // Issue 20: CPU per request with a virtual key whose budget and limits are checked, vs the same requests with the static key.
  keyedRatio: 1.1,
};

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const log = (line) => process.stdout.write(`${line}\n`);

const TARGETS = {
  proxy: (upstream, options) => startMinimalProxy(upstream.url, options),
  switchyard: (upstream, options) => startSwitchyard(upstream.url, options),
  'switchyard-no-traces': (upstream, options) => startSwitchyard(upstream.url, { ...options, withoutTraces: true }),
};

/** Load for `seconds` against a running target, with the CPU it used and its peak RSS so far. */
async function measure(target, name, load, options) {
  const before = cpuSeconds(target.pid);
  const result = await load(target.url, options);
  const cpu = cpuSeconds(target.pid) - before;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx responses and ${result.errors} errors at concurrency ${options.connections}`);
  return { ...result, cpuMicrosPerRequest: (cpu * 1e6) / result.requests, peakRssMb: memory(target.pid).peakRssMb };
}

/**
 * Every target is started once and warmed up under full load: a fresh Switchyard takes about 5 s of
 * it before its CPU per request settles (3 to 5 times the settled figure in its first two seconds,
 * 1.1 to 1.3 times in the next two), the proxy about 3 s. Then, per concurrency, `REPETITIONS`
 * rounds in which each target takes the load in turn (the order alternates), so a machine that
 * speeds up or slows down during the run moves every target alike. Medians per cell; a cell's
 * peak RSS is the process's peak so far.
 */
async function matrix(kind, upstream, concurrencies, targetsAt) {
  const load = kind === 'json' ? jsonLoad : kind === 'steady' ? (url, options) => pacedLoad(url, { ...options, rate: STEADY_RATE }) : streamLoad;
  const runs = [];
  const targets = new Map();
  try {
    for (const name of new Set(concurrencies.flatMap(targetsAt))) {
      targets.set(name, await TARGETS[name](upstream));
      await (kind === 'stream' ? streamLoad : jsonLoad)(targets.get(name).url, { connections: 64, seconds: WARMUP_SECONDS });
    }
    for (const connections of concurrencies) {
      const names = targetsAt(connections);
      for (let repetition = 0; repetition < REPETITIONS; repetition++) {
        for (const name of repetition % 2 === 0 ? names : [...names].reverse()) {
          const run = await measure(targets.get(name), name, load, { connections, seconds: SECONDS });
          runs.push({ kind, target: name, connections, repetition, ...run });
          log(`  ${kind} c=${String(connections).padEnd(3)} ${name.padEnd(20)} ${run.perSecond.toFixed(0).padStart(6)} req/s  p50 ${run.p50.toFixed(3)} ms  CPU ${run.cpuMicrosPerRequest.toFixed(0)} µs/req`);
        }
      }
    }
  } finally {
    for (const target of targets.values()) await stop(target);
  }
  const cells = [];
  for (const connections of concurrencies) {
    for (const target of targetsAt(connections)) {
      const of = (key) => median(runs.filter((run) => run.target === target && run.connections === connections).map((run) => run[key]));
      cells.push({
        kind,
        target,
        connections,
        perSecond: of('perSecond'),
        p50: of('p50'),
        p99: of('p99'),
        cpuMicrosPerRequest: of('cpuMicrosPerRequest'),
        peakRssMb: Math.max(...runs.filter((run) => run.target === target && run.connections === connections).map((run) => run.peakRssMb)),
        ...(kind === 'stream' ? { ttftP50: of('ttftP50'), ttftP99: of('ttftP99') } : {}),
      });
    }
  }
  return { runs, cells };
}

/**
 * Five minutes of JSON load at concurrency 64, the second minute against the last: RSS (sampled
 * every 5 s), and the heap left after each full collection (from --trace-gc). The second is what a
 * leak of JS objects grows; RSS also carries the garbage V8 lets pile up between full collections
 * (samples a minute apart differ by up to 20%), and native memory (SQLite, buffers).
 */
async function soak(upstream) {
  const target = await startSwitchyard(upstream.url, { nodeArgs: ['--trace-gc'] });
  const samples = [];
  const started = performance.now();
  // Every 5 s, or often enough that a short soak (BENCH_SOAK_SECONDS) still has samples in each window.
  const timer = setInterval(() => samples.push({ second: (performance.now() - started) / 1000, rssMb: memory(target.pid).rssMb }), Math.min(5_000, SOAK_SECONDS * 50));
  try {
    const result = await jsonLoad(target.url, { connections: 64, seconds: SOAK_SECONDS });
    clearInterval(timer);
    // --trace-gc counts from the process's start, the samples from the load's.
    const offset = (started - target.spawnedAt) / 1000;
    const gcs = (await readGcEvents(target.log)).map((gc) => ({ ...gc, second: gc.second - offset }));
    const minute = Math.min(60, SOAK_SECONDS / 5);
    const windows = { early: [minute, 2 * minute], late: [SOAK_SECONDS - minute, Infinity] };
    const within = (list, [from, to]) => list.filter((item) => item.second >= from && item.second < to);
    const at = (window) => {
      const rssMb = median(within(samples, window).map((s) => s.rssMb));
      const gcsIn = within(gcs, window);
      return { rssMb, liveHeapMb: median(gcsIn.filter((gc) => gc.full).map((gc) => gc.usedMb)) };
    };
    const early = at(windows.early);
    const late = at(windows.late);
    const growth = (key) => late[key] / early[key] - 1;
    return {
      seconds: SOAK_SECONDS,
      requests: result.requests,
      non2xx: result.non2xx,
      errors: result.errors,
      samples,
      fullCollections: gcs.filter((gc) => gc.full).map(({ second, usedMb, committedMb }) => ({ second, usedMb, committedMb })),
      early,
      late,
      growth: { rss: growth('rssMb'), liveHeap: growth('liveHeapMb') },
    };
  } finally {
    clearInterval(timer);
    await stop(target);
  }
}

/**
 * CPU per request at c=64 with every target under load at once (bench/gateway/paired.mjs): the
 * machine's drift moves them alike, so within a run these ratios hold better than the alternating rounds'.
 */
async function pairedStage(upstream) {
  const starts = Object.fromEntries(Object.entries(TARGETS).map(([name, start]) => [name, () => start(upstream)]));
  const rounds = await pairedRounds(starts, {
    rounds: PAIRED_ROUNDS,
    seconds: PAIRED_SECONDS,
    connections: 64,
    onRound: (cpu) => log(`  ${Object.entries(cpu).map(([name, micros]) => `${name} ${micros.toFixed(0)}`).join(', ')} µs/req`),
  });
  const ratio = (target, baseline) => quartiles(rounds.map((cpu) => cpu[target] / cpu[baseline]));
  return { rounds, switchyard: ratio('switchyard', 'proxy'), noTraces: ratio('switchyard-no-traces', 'proxy'), store: ratio('switchyard', 'switchyard-no-traces') };
}

const cell = (cells, kind, target, connections) => cells.find((c) => c.kind === kind && c.target === target && c.connections === connections);

/**
 * A target's figure against the baseline's, round by round (the two ran back to back), then the
 * median over the rounds: a machine whose speed drifts during the run moves both sides of each.
 * Ratios for throughput and CPU, differences for latency (the median of the rounds' differences,
 * not the difference of two medians: at 1,000 req/s one target's p50 moves by 0.3 ms between rounds).
 */
function roundByRound(runs, target, baseline, connections, key, compare) {
  const of = (name, repetition) => runs.find((run) => run.target === name && run.connections === connections && run.repetition === repetition)?.[key];
  const rounds = [];
  for (let repetition = 0; repetition < REPETITIONS; repetition++) rounds.push(compare(of(target, repetition), of(baseline, repetition)));
  return median(rounds);
}
const pairedRatio = (runs, target, baseline, connections, key) => roundByRound(runs, target, baseline, connections, key, (a, b) => a / b);
const pairedDifference = (runs, target, baseline, connections, key) => roundByRound(runs, target, baseline, connections, key, (a, b) => a - b);
const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

function printMatrix(title, { cells, runs }, kind, concurrencies) {
  log(`\n${title}`);
  log('conc  target                 req/s   p50 ms   p99 ms  CPU µs/req  peak RSS MB' + (kind === 'stream' ? '  TTFT p50 ms' : '') + '   vs proxy: req/s   CPU    +p50 ms' + (kind === 'stream' ? '  +TTFT ms' : ''));
  for (const connections of concurrencies) {
    for (const row of cells.filter((c) => c.kind === kind && c.connections === connections)) {
      const ratios =
        row.target === 'proxy'
          ? ''
          : `   ${fmt(pairedRatio(runs, row.target, 'proxy', connections, 'perSecond'), 2).padStart(13)}  ${fmt(pairedRatio(runs, row.target, 'proxy', connections, 'cpuMicrosPerRequest'), 2).padStart(5)}  ${fmt(pairedDifference(runs, row.target, 'proxy', connections, 'p50'), 3).padStart(8)}` +
            (kind === 'stream' ? `  ${fmt(pairedDifference(runs, row.target, 'proxy', connections, 'ttftP50'), 3).padStart(8)}` : '');
      log(
        `${String(connections).padEnd(4)}  ${row.target.padEnd(20)} ${fmt(row.perSecond).padStart(7)}  ${fmt(row.p50, 3).padStart(7)}  ${fmt(row.p99, 3).padStart(7)}  ${fmt(row.cpuMicrosPerRequest).padStart(10)}  ${fmt(row.peakRssMb).padStart(11)}` +
          (kind === 'stream' ? `  ${fmt(row.ttftP50, 3).padStart(11)}` : '') +
          ratios,
      );
    }
  }
}

const startedAt = Date.now();
pinSelfToLoadCores();
const info = machine();
log(`Switchyard gateway benchmark: ${info.cpu}, ${info.cores} cores, Node ${info.node}; ${TARGET_CORE === undefined ? 'nothing pinned (taskset or a second core missing)' : `each target pinned to core ${TARGET_CORE}, load and upstream on the others`}`);
log(`The targets run side by side (idle while another takes the load): ${WARMUP_SECONDS} s of warm-up each at c=64, then per concurrency ${REPETITIONS} rounds of ${SECONDS} s each in alternating order; medians.`);

log('\nMicro-benchmarks');
const micro = await runMicroBenchmarks();
for (const result of micro) log(`  ${result.name.padEnd(26)} ${fmt(result.microsPerOp, 2).padStart(8)} µs${result.budgetMicros === undefined ? '' : `   (budget ${result.budgetMicros} µs)`}`);

const upstream = await startUpstream(0);
log('\nJSON');
const json = await matrix('json', upstream, CONCURRENCY, (c) => (c === 1 || c === 64 ? ['proxy', 'switchyard', 'switchyard-no-traces'] : ['proxy', 'switchyard']));
log(`\nPaired at c=64: ${PAIRED_ROUNDS} rounds of ${PAIRED_SECONDS} s with ${Object.keys(TARGETS).join(', ')} under load at once`);
const paired = await pairedStage(upstream);
log(`\nAs gatewaybench measures, c=64: wrk, a proxy that parses each body, its request; ${HARNESS_WAY.rounds} rounds, each target warmed ${HARNESS_WAY.warmUpSeconds} s then measured ${HARNESS_WAY.seconds} s in turn`);
const harnessWay = await cpuRatioStage(upstream, { ...HARNESS_WAY, log });
log(`\nSteady load: ${STEADY_RATE} req/s from ${STEADY_CONNECTIONS} connections, traces stored and dropped`);
const steady = await matrix('steady', upstream, [STEADY_CONNECTIONS], () => ['switchyard', 'switchyard-no-traces']);
log(`\nThe Anthropic and Responses edges against the OpenAI edge, paired at c=64: ${PAIRED_ROUNDS} rounds of ${PAIRED_SECONDS} s each, JSON then SSE`);
const dialects = await dialectStage(upstream, { rounds: PAIRED_ROUNDS, seconds: PAIRED_SECONDS, log });
log(`\nA virtual key with a budget and limits against the static key, paired at c=64: ${PAIRED_ROUNDS} rounds of ${PAIRED_SECONDS} s`);
const keys = await keysStage(upstream, { rounds: PAIRED_ROUNDS, seconds: PAIRED_SECONDS, log });
log(`\nRedis state and the PostgreSQL store against the embedded default, keyed: ${PAIRED_ROUNDS} paired rounds of ${PAIRED_SECONDS} s at c=64, then alternating at c=1`);
if (stateStageMissing !== undefined) log(`  skipped: ${stateStageMissing}`);
const state = stateStageMissing === undefined ? await stateStage(upstream, { rounds: PAIRED_ROUNDS, seconds: PAIRED_SECONDS, log }) : undefined;
log('\nSSE');
const stream = await matrix('stream', upstream, STREAM_CONCURRENCY, () => ['proxy', 'switchyard']);
log(`\n${HELD_STREAMS} streams held open, the proxy and Switchyard back to back: ${HELD_ROUNDS} rounds`);
const held = await heldStreamsStage({ rounds: HELD_ROUNDS, log });
const heldVerdicts = heldStreamsVerdicts(held);
log(`\nSoak: ${SOAK_SECONDS} s of JSON at concurrency 64`);
const soaked = await soak(upstream);
await stop(upstream);

printMatrix('JSON (medians; ratios: the median of each round\'s ratio)', json, 'json', CONCURRENCY);
const stSy = cell(steady.cells, 'steady', 'switchyard', STEADY_CONNECTIONS);
const stNt = cell(steady.cells, 'steady', 'switchyard-no-traces', STEADY_CONNECTIONS);
log(`\nSteady load (${STEADY_RATE} req/s, ${STEADY_CONNECTIONS} connections): p50 ${fmt(stNt.p50, 3)} → ${fmt(stSy.p50, 3)} ms, p99 ${fmt(stNt.p99, 3)} → ${fmt(stSy.p99, 3)} ms, CPU ${fmt(stNt.cpuMicrosPerRequest)} → ${fmt(stSy.cpuMicrosPerRequest)} µs/req (traces dropped → stored)`);
printMatrix('SSE with a usage chunk (medians; TTFT: time to the first content token)', stream, 'stream', STREAM_CONCURRENCY);
log(
  `\nSoak (${soaked.requests} requests), the second minute → the last: heap after full GC ${fmt(soaked.early.liveHeapMb, 1)} → ${fmt(soaked.late.liveHeapMb, 1)} MB, ` +
    `RSS ${fmt(soaked.early.rssMb)} → ${fmt(soaked.late.rssMb)} MB`,
);

const heldProxy = heldStreamsMedian(held, 'proxy');
const heldSwitchyard = heldStreamsMedian(held, 'switchyard');
const microOf = (name) => micro.find((result) => result.name === name)?.microsPerOp;
const checks = [
  ['CPU per request vs proxy (JSON, c=64, traces on; autocannon, piping proxy)', pairedRatio(json.runs, 'switchyard', 'proxy', 64, 'cpuMicrosPerRequest'), `≤ ${BUDGET.cpuRatio}×`, (v) => v <= BUDGET.cpuRatio, 2, '×'],
  // Both under load at once: steady across a run's rounds, but against the proxy it still moves from run
  // to run with the machine (1.64× and 2.30× on the same code), so it is reported next to the budget's.
  ['CPU per request vs proxy, paired: each on a third of the core (c=64)', paired.switchyard.median, 'report', () => true, 2, `×   quartiles ${fmt(paired.switchyard.low, 2)}–${fmt(paired.switchyard.high, 2)}; traces dropped ${fmt(paired.noTraces.median, 2)}×`],
  ['throughput vs proxy (JSON, c=64, pinned)', pairedRatio(json.runs, 'switchyard', 'proxy', 64, 'perSecond'), `≥ ${BUDGET.throughputRatio}×`, (v) => v >= BUDGET.throughputRatio, 2, '×'],
  // Measured as the independent harness measures (gateway/cpu-ratio-stage.mjs): the figure it reads, judged by the same budget.
  [`CPU per request vs the parsing proxy, as gatewaybench measures (${harnessWay.driver}, c=64)`, harnessWay.cpuRatio, `≤ ${BUDGET.cpuRatio}×`, (v) => v <= BUDGET.cpuRatio, 2, `×   rounds ${fmt(harnessWay.cpuRatioRounds.low, 2)}–${fmt(harnessWay.cpuRatioRounds.high, 2)}; ${fmt(harnessWay.switchyardCpuMicros)} vs ${fmt(harnessWay.proxyCpuMicros)} µs${harnessWay.driverMissing === undefined ? '' : `; ${harnessWay.driverMissing}`}`],
  [`throughput vs the parsing proxy, as gatewaybench measures (${harnessWay.driver}, c=64)`, harnessWay.throughputRatio, `≥ ${BUDGET.throughputRatio}×`, (v) => v >= BUDGET.throughputRatio, 2, '×'],
  ['added p50 latency (JSON, c=1)', pairedDifference(json.runs, 'switchyard', 'proxy', 1, 'p50'), `≤ ${BUDGET.addedLatencyMs} ms`, (v) => v <= BUDGET.addedLatencyMs, 3, ' ms'],
  ['added time to first token (SSE, c=1)', pairedDifference(stream.runs, 'switchyard', 'proxy', 1, 'ttftP50'), `≤ ${BUDGET.addedTtftMs} ms`, (v) => v <= BUDGET.addedTtftMs, 3, ' ms'],
  // Issue 23: what the gateway itself holds per open stream, against what Node's HTTP server and undici hold in the proxy, and its peak.
  [`live heap per open stream vs the proxy's (${HELD_STREAMS} streams)`, heldVerdicts.liveHeapRatio.value, `≤ ${HELD_STREAMS_BUDGET.liveHeapRatio}×`, () => heldVerdicts.liveHeapRatio.pass, 2, `×   ${fmt(heldSwitchyard.liveKbPerStream, 1)} vs ${fmt(heldProxy.liveKbPerStream, 1)} KB`],
  [`peak RSS over the proxy's (${HELD_STREAMS} streams open)`, heldVerdicts.peakRssOverProxyMb.value, `≤ +${HELD_STREAMS_BUDGET.peakRssOverProxyMb} MB`, () => heldVerdicts.peakRssOverProxyMb.pass, 0, ` MB   ${fmt(heldSwitchyard.peakRssMb)} vs ${fmt(heldProxy.peakRssMb)} MB`],
  [`soak (${SOAK_SECONDS} s): growth of the RSS`, soaked.growth.rss * 100, `≤ ${BUDGET.soakGrowth * 100}%`, (v) => v <= BUDGET.soakGrowth * 100, 1, '%'],
  ['soak: growth of the heap after full GC', soaked.growth.liveHeap * 100, `≤ ${BUDGET.soakGrowth * 100}%`, (v) => v <= BUDGET.soakGrowth * 100, 1, '%'],
  ['rules decision', microOf('rules decision'), `≤ ${BUDGET.rulesDecisionMicros} µs`, (v) => v <= BUDGET.rulesDecisionMicros, 1, ' µs'],
  ['trained-router decision', microOf('trained-router decision'), `≤ ${BUDGET.trainedDecisionMicros} µs`, (v) => v <= BUDGET.trainedDecisionMicros, 1, ' µs'],
  // Issue 6: what storing traces costs, against the same gateway dropping them.
  ['trace store: added p50 latency (c=1)', pairedDifference(json.runs, 'switchyard', 'switchyard-no-traces', 1, 'p50'), `≤ ${BUDGET.traceStoreP50Ms} ms`, (v) => v <= BUDGET.traceStoreP50Ms, 3, ' ms'],
  [`trace store: added p50 latency (${STEADY_RATE} req/s)`, pairedDifference(steady.runs, 'switchyard', 'switchyard-no-traces', STEADY_CONNECTIONS, 'p50'), `≤ ${BUDGET.traceStoreP50Ms} ms`, (v) => v <= BUDGET.traceStoreP50Ms, 3, ' ms'],
  // Reported, not judged: the baseline's own p99 here moves by tens of milliseconds from one round to the next.
  [`trace store: added p99 latency (${STEADY_RATE} req/s)`, pairedDifference(steady.runs, 'switchyard', 'switchyard-no-traces', STEADY_CONNECTIONS, 'p99'), 'report', () => true, 3, ' ms'],
  ['trace store: CPU per request, stored vs dropped (c=64, paired)', paired.store.median, 'report', () => true, 2, '×'],
  ['Anthropic edge: added CPU vs the OpenAI edge (JSON, c=64, paired)', dialects.json.addedRatio.median, `≤ ${BUDGET.anthropicEdgeRatio}×`, (v) => v <= BUDGET.anthropicEdgeRatio, 2, '×'],
  ['Anthropic edge: added CPU vs the OpenAI edge (SSE, c=64, paired)', dialects.stream.addedRatio.median, `≤ ${BUDGET.anthropicEdgeRatio}×`, (v) => v <= BUDGET.anthropicEdgeRatio, 2, '×'],
  ['Responses edge: added CPU vs the OpenAI edge (JSON, c=64, paired)', dialects.json.responsesAddedRatio.median, `≤ ${BUDGET.responsesEdgeRatio}×`, (v) => v <= BUDGET.responsesEdgeRatio, 2, '×'],
  ['Responses edge: added CPU vs the OpenAI edge (SSE, c=64, paired)', dialects.stream.responsesAddedRatio.median, `≤ ${BUDGET.responsesEdgeRatio}×`, (v) => v <= BUDGET.responsesEdgeRatio, 2, '×'],
  ['virtual key with budget and limits: CPU vs the static key (JSON, c=64, paired)', keys.keyedRatio.median, `≤ ${BUDGET.keyedRatio}×`, (v) => v <= BUDGET.keyedRatio, 2, `×   quartiles ${fmt(keys.keyedRatio.low, 2)}–${fmt(keys.keyedRatio.high, 2)}`],
  // Issue 21: what sharing state across replicas costs each one. Without redis-server or PostgreSQL here, reported as missing.
  ['Redis + PostgreSQL: CPU per request vs embedded (keyed, c=64, paired)', state?.cpuRatio.median ?? NaN, state ? `≤ ${STATE_BUDGET.cpuRatio}×` : 'report', (v) => v <= STATE_BUDGET.cpuRatio, 2, state ? `×   quartiles ${fmt(state.cpuRatio.low, 2)}–${fmt(state.cpuRatio.high, 2)}` : '×'],
  ['Redis + PostgreSQL: added p50 vs embedded (keyed, c=1)', state?.addedP50Ms ?? NaN, state ? `≤ ${STATE_BUDGET.addedP50Ms} ms` : 'report', (v) => v <= STATE_BUDGET.addedP50Ms, 3, ' ms'],
  ['Redis + PostgreSQL: requests refused (503 state_unavailable: Redis past timeout_ms)', state?.refused.shared ?? NaN, state ? '= 0' : 'report', (v) => v === 0, 0, ''],
  ['trace store: throughput, stored vs dropped (c=64, saturated)', pairedRatio(json.runs, 'switchyard', 'switchyard-no-traces', 64, 'perSecond'), 'report', () => true, 2, '×'],
];
log('\nBudget');
const verdicts = checks.map(([name, value, bound, ok, digits, unit]) => {
  const pass = Number.isFinite(value) && ok(value);
  log(`  ${bound === 'report' ? '    ' : pass ? 'PASS' : 'FAIL'}  ${name.padEnd(52)} ${fmt(value, digits).padStart(8)}${unit}   ${bound === 'report' ? '' : `budget ${bound}`}`);
  return { name, value, bound, pass: bound === 'report' ? undefined : pass };
});
const minutes = (Date.now() - startedAt) / 60_000;
log(`\n${verdicts.filter((v) => v.pass === false).length === 0 ? 'Every budget met.' : `${verdicts.filter((v) => v.pass === false).length} budget(s) missed.`} ${minutes.toFixed(1)} minutes.`);

mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, 'bench/results/gateway.json'),
  `${JSON.stringify({ date: new Date().toISOString(), machine: info, seconds: SECONDS, repetitions: REPETITIONS, budget: BUDGET, verdicts, micro, json, paired, harnessWay, dialects, keys, state, steady, stream, held, soak: soaked }, null, 2)}\n`,
);
