// 1,000 streams held open at once, the minimal proxy and Switchyard back to back, round after round
// (issue 23's memory budget: held-streams-budget.mjs). Two processes per target: one for the peak RSS
// under a churn of 1,000 streams, one for the live heap with exactly 1,000 open.
import { holdStreams } from './hold-streams.mjs';
import { streamLoad } from './load.mjs';
import { HEAP_PROBE_ARGS, liveHeapMb, memory, startMinimalProxy, startSwitchyard, startUpstream, stop } from './processes.mjs';

export const HELD_STREAMS = 1000;
/** Before the streams are measured: as in the runs bench/HISTORY.md compares. */
const WARMUP_SECONDS = 2;
const MEASURED_SECONDS = 5;
/** The churn's upstream spaces its chunks so each stream stays open about a second, the load keeping about 1,000 open. */
const CHURN_CHUNK_MS = 100;
/** The held streams' upstream: long enough (about 18 s a stream) for all 1,000 to start before the first ends on a loaded machine. */
const HELD_CHUNK_MS = 2_000;
const SETTLE_MS = 500;

/** A target started with `start` on a fresh upstream spacing its chunks `chunkMs` apart; `use` gets it, then both are stopped. */
async function withTarget(start, chunkMs, nodeArgs, use) {
  const upstream = await startUpstream(chunkMs);
  try {
    const target = await start(upstream.url, { nodeArgs });
    try {
      return await use(target);
    } finally {
      await stop(target);
    }
  } finally {
    await stop(upstream);
  }
}

/**
 * Peak RSS over a warm-up and 5 s of 1,000 streams, each connection opening the next as one ends:
 * what the process needs, the garbage V8 lets pile up between full collections included. Run as a
 * user runs it (no probe preloaded).
 */
function peakRss(name, start) {
  return withTarget(start, CHURN_CHUNK_MS, [], async (target) => {
    for (const seconds of [WARMUP_SECONDS, MEASURED_SECONDS]) {
      const result = await streamLoad(target.url, { connections: HELD_STREAMS, seconds });
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx responses and ${result.errors} errors with ${HELD_STREAMS} streams`);
    }
    return memory(target.pid).peakRssMb;
  });
}

/**
 * The live heap (after a full collection) with exactly 1,000 streams open, each past its first token,
 * and once they have all closed: the difference is what the process holds per open stream.
 */
function liveHeap(start) {
  return withTarget(start, HELD_CHUNK_MS, HEAP_PROBE_ARGS, async (target) => {
    const { ended } = await holdStreams(target.url, HELD_STREAMS);
    const open = await liveHeapMb(target.pid);
    await ended;
    // The target may not have read the last connections' close yet.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const closed = await liveHeapMb(target.pid);
    return { open, closed };
  });
}

async function heldStreams(name, start) {
  const peakRssMb = await peakRss(name, start);
  const live = await liveHeap(start);
  return { target: name, connections: HELD_STREAMS, peakRssMb, liveHeapMb: live, liveKbPerStream: ((live.open - live.closed) * 1024) / HELD_STREAMS };
}

/**
 * `rounds` rounds, each the proxy and Switchyard (`main`: which build's cli/main.js, default this
 * checkout's dist/) one after the other, the order alternating. Each target is started afresh per
 * round, so every peak is a fresh process's.
 */
export async function heldStreamsStage({ rounds, log, main }) {
  const starts = {
    proxy: (upstream, options) => startMinimalProxy(upstream, options),
    switchyard: (upstream, options) => startSwitchyard(upstream, { ...options, ...(main === undefined ? {} : { main }) }),
  };
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const measured = {};
    for (const name of round % 2 === 0 ? ['proxy', 'switchyard'] : ['switchyard', 'proxy']) {
      measured[name] = await heldStreams(name, starts[name]);
      const { peakRssMb, liveHeapMb: live, liveKbPerStream } = measured[name];
      log(`  ${name.padEnd(11)} peak RSS ${peakRssMb.toFixed(0)} MB; live heap ${live.open.toFixed(1)} MB open, ${live.closed.toFixed(1)} MB closed: ${liveKbPerStream.toFixed(1)} KB per stream`);
    }
    results.push(measured);
  }
  return results;
}
