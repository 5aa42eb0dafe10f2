// `npm run bench:dialects`: only the dialect stage of `npm run bench` (the Anthropic and Responses edges, bench/gateway/dialect-stage.mjs).
import { dialectStage } from './gateway/dialect-stage.mjs';
import { pinSelfToLoadCores, startUpstream, stop } from './gateway/processes.mjs';

const log = (line) => process.stdout.write(`${line}\n`);
pinSelfToLoadCores();
const upstream = await startUpstream(0);
try {
  const result = await dialectStage(upstream, { rounds: Number(process.env.BENCH_ROUNDS ?? 6), seconds: 3, log });
  for (const [kind, { addedRatio, responsesAddedRatio }] of Object.entries(result)) {
    log(`${kind}: the Anthropic edge's added CPU per request is ${addedRatio.median.toFixed(2)}× the OpenAI edge's (quartiles ${addedRatio.low.toFixed(2)}–${addedRatio.high.toFixed(2)})`);
    log(`${kind}: the Responses edge's added CPU per request is ${responsesAddedRatio.median.toFixed(2)}× the OpenAI edge's (quartiles ${responsesAddedRatio.low.toFixed(2)}–${responsesAddedRatio.high.toFixed(2)})`);
  }
} finally {
  await stop(upstream);
}
