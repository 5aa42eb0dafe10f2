// Switchyard's CPU per request against a proxy's, JSON at c=64, measured the way the independent
// harness (../shared/tools/gatewaybench) does (bench/gateway/cpu-ratio-stage.mjs), alone: to be run
// back to back with that harness's switchyard.sh, on a quiet machine.
//
//   npm run bench:cpu-ratio                      the harness's way: wrk, the parsing proxy, its request
//   npm run bench:cpu-ratio -- --proxy pipe      one choice switched (--driver wrk|autocannon,
//                                                --proxy parse|pipe, --body gatewaybench|bench)
//   npm run bench:cpu-ratio -- --ablate          the harness's way, then each choice switched in turn
//
// Environment: BENCH_SECONDS (per measured run, default 8), BENCH_WARMUP_SECONDS (before each, 6),
// BENCH_REPETITIONS (3): switchyard.sh's defaults; BENCH_SWITCHYARD_MAIN: another build's dist/cli/main.js
// (default this checkout's); BENCH_SWITCHYARD_CONFIG: another config than bench/gateway/switchyard.yaml (its
// upstream is ${BENCH_UPSTREAM}, its router `auto`). Writes bench/results/cpu-ratio.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHOICES, cpuRatioStage } from './gateway/cpu-ratio-stage.mjs';
import { machine, pinSelfToLoadCores, root, startUpstream, stop, TARGET_CORE } from './gateway/processes.mjs';

const { values } = parseArgs({
  options: {
    driver: { type: 'string', default: CHOICES.driver[0] },
    proxy: { type: 'string', default: CHOICES.proxy[0] },
    body: { type: 'string', default: CHOICES.body[0] },
    ablate: { type: 'boolean', default: false },
  },
});
for (const [choice, allowed] of Object.entries(CHOICES)) {
  if (!allowed.includes(values[choice])) throw new Error(`--${choice} is one of ${allowed.join(', ')}, not ${values[choice]}`);
}
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 6);
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);
const log = (line) => process.stdout.write(`${line}\n`);

const base = { driver: values.driver, proxy: values.proxy, body: values.body };
// With --ablate: the given setting, then the same with one choice switched to its other value, each in turn.
const settings = values.ablate
  ? [base, ...Object.entries(CHOICES).map(([choice, allowed]) => ({ ...base, [choice]: allowed.find((value) => value !== base[choice]) }))]
  : [base];

pinSelfToLoadCores();
const info = machine();
log(`CPU per request, Switchyard vs a proxy, JSON c=64: ${info.cpu}, ${info.cores} cores, Node ${info.node}; ${TARGET_CORE === undefined ? 'nothing pinned' : `targets on core ${TARGET_CORE}, load and upstream on the others`}`);
log(`${REPETITIONS} rounds per setting; in each, each target warmed ${WARMUP_SECONDS} s then measured ${SECONDS} s, in turn.`);
const upstream = await startUpstream(0);
const results = [];
try {
  for (const setting of settings) {
    log(`\ndriver ${setting.driver}, proxy ${setting.proxy}, body ${setting.body}`);
    results.push(await cpuRatioStage(upstream, { ...setting, rounds: REPETITIONS, seconds: SECONDS, warmUpSeconds: WARMUP_SECONDS, main: process.env.BENCH_SWITCHYARD_MAIN, config: process.env.BENCH_SWITCHYARD_CONFIG, log }));
  }
} finally {
  await stop(upstream);
}

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
log('\ndriver      proxy  body          proxy µs/req  switchyard µs/req  CPU ratio  (rounds' + "'" + ' quartiles)  throughput ratio');
for (const r of results) {
  log(
    `${r.driver.padEnd(10)}  ${r.proxy.padEnd(5)}  ${r.body.padEnd(12)}  ${fmt(r.proxyCpuMicros).padStart(12)}  ${fmt(r.switchyardCpuMicros).padStart(17)}  ${fmt(r.cpuRatio, 2).padStart(8)}×  (${fmt(r.cpuRatioRounds.low, 2)}–${fmt(r.cpuRatioRounds.high, 2)})${' '.repeat(9)}${fmt(r.throughputRatio, 2).padStart(8)}×`,
  );
}
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/cpu-ratio.json'), `${JSON.stringify({ date: new Date().toISOString(), machine: info, seconds: SECONDS, warmUpSeconds: WARMUP_SECONDS, repetitions: REPETITIONS, results }, null, 2)}\n`);
