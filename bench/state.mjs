// `npm run bench:state`: Switchyard with Redis state and the PostgreSQL store against the embedded
// default (in-process state, SQLite), in the same run: CPU per request at c=64 (paired) and the
// added p50 at c=1 (alternating), both keyed (bench/gateway/state-stage.mjs), against the budget.
//
// Environment: BENCH_ROUNDS (6), BENCH_SECONDS (3). Writes bench/results/state.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_BUDGET, stateStage, stateStageMissing } from './gateway/state-stage.mjs';
import { machine, pinSelfToLoadCores, root, startUpstream, stop, TARGET_CORE } from './gateway/processes.mjs';

const log = (line) => process.stdout.write(`${line}\n`);
if (stateStageMissing !== undefined) {
  log(`bench:state needs redis-server and PostgreSQL: ${stateStageMissing}`);
  process.exit(1);
}
pinSelfToLoadCores();
const info = machine();
log(`Shared state benchmark: ${info.cpu}, ${info.cores} cores, Node ${info.node}; ${TARGET_CORE === undefined ? 'nothing pinned' : `gateways on core ${TARGET_CORE}, load, upstream, Redis and PostgreSQL on the others`}`);
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const upstream = await startUpstream(0);
let state;
try {
  state = await stateStage(upstream, { rounds, seconds, log });
} finally {
  await stop(upstream);
}
const checks = [
  ['CPU per request, Redis + PostgreSQL vs embedded (c=64, paired)', state.cpuRatio.median, state.cpuRatio.median <= STATE_BUDGET.cpuRatio, `≤ ${STATE_BUDGET.cpuRatio}×`, 2, `×   quartiles ${state.cpuRatio.low.toFixed(2)}–${state.cpuRatio.high.toFixed(2)}`],
  ['added p50, Redis + PostgreSQL vs embedded (c=1)', state.addedP50Ms, state.addedP50Ms <= STATE_BUDGET.addedP50Ms, `≤ +${STATE_BUDGET.addedP50Ms} ms`, 3, ' ms'],
];
log('\nBudget');
if (state.refused.shared + state.refused.embedded > 0) log(`  requests refused: embedded ${state.refused.embedded}, Redis + PostgreSQL ${state.refused.shared} (503 state_unavailable when Redis misses timeout_ms)`);
for (const [name, value, pass, bound, digits, unit] of checks) log(`  ${pass ? 'PASS' : 'FAIL'}  ${name.padEnd(64)} ${value.toFixed(digits).padStart(7)}${unit}   budget ${bound}`);
log(`  peak RSS: embedded ${state.latency.peakRssMb.embedded.toFixed(0)} MB, Redis + PostgreSQL ${state.latency.peakRssMb.shared.toFixed(0)} MB`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/state.json'), `${JSON.stringify({ date: new Date().toISOString(), machine: info, budget: STATE_BUDGET, state }, null, 2)}\n`);
process.exit(checks.every(([, , pass]) => pass) && state.refused.shared + state.refused.embedded === 0 ? 0 : 1);
