// `npm run bench:held`: only the held-streams stage of `npm run bench` (bench/gateway/held-streams-stage.mjs),
// about a minute per round, and issue 23's memory budget checked on it.
// Environment: BENCH_ROUNDS (1: a minute or two; GC timing moves a peak, so take several to judge); BENCH_MAIN, another build's cli/main.js to measure (default this checkout's dist/).
// Writes bench/results/held-streams.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELD_STREAMS_BUDGET, heldStreamsVerdicts } from './gateway/held-streams-budget.mjs';
import { HELD_STREAMS, heldStreamsStage } from './gateway/held-streams-stage.mjs';
import { machine, pinSelfToLoadCores, root } from './gateway/processes.mjs';

const log = (line) => process.stdout.write(`${line}\n`);
const fmt = (value, digits) => (value === undefined ? '—' : value.toFixed(digits));

pinSelfToLoadCores();
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
log(`${HELD_STREAMS} streams held open, the proxy and Switchyard back to back, ${rounds} rounds`);
const results = await heldStreamsStage({ rounds, log, main: process.env.BENCH_MAIN });
const { liveHeapRatio, peakRssOverProxyMb } = heldStreamsVerdicts(results);
const verdict = (pass) => (pass ? 'PASS' : 'FAIL');
log(`${verdict(liveHeapRatio.pass)}  live heap per open stream vs the proxy's: ${fmt(liveHeapRatio.value, 2)}×   budget ≤ ${HELD_STREAMS_BUDGET.liveHeapRatio}× (median of the rounds)`);
log(`${verdict(peakRssOverProxyMb.pass)}  peak RSS over the proxy's: ${fmt(peakRssOverProxyMb.value, 0)} MB   budget ≤ ${HELD_STREAMS_BUDGET.peakRssOverProxyMb} MB (median of the rounds)`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/held-streams.json'), `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), budget: HELD_STREAMS_BUDGET, verdicts: { liveHeapRatio, peakRssOverProxyMb }, rounds: results }, null, 2)}\n`);
