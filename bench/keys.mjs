// `npm run bench:keys`: only the keys stage of `npm run bench` (bench/gateway/keys-stage.mjs).
import { keysStage } from './gateway/keys-stage.mjs';
import { pinSelfToLoadCores, startUpstream, stop } from './gateway/processes.mjs';

const log = (line) => process.stdout.write(`${line}\n`);
pinSelfToLoadCores();
const upstream = await startUpstream(0);
try {
  const { keyedRatio } = await keysStage(upstream, { rounds: Number(process.env.BENCH_ROUNDS ?? 6), seconds: 3, log });
  log(`CPU per request with a virtual key (budget, rpm, tpm, max_concurrent checked) is ${keyedRatio.median.toFixed(2)}× the static key's (quartiles ${keyedRatio.low.toFixed(2)}–${keyedRatio.high.toFixed(2)})`);
} finally {
  await stop(upstream);
}
