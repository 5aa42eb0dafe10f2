// The embedded default against shared state: two Switchyard processes on the bench config, both
// loaded with a virtual key whose budget, rpm, tpm and max_concurrent are checked on every request
// (none reached). `embedded` keeps its counters in the process and its traces, keys and spend in
// SQLite; `shared` keeps counters, leases and budget holds in Redis (state.redis) and traces, keys
// and spend in PostgreSQL (storage.postgres), as every replica of a deployment does. Redis and
// PostgreSQL are real servers on loopback (test/support/local-servers.ts), on the load cores.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { KEY_OPTIONS } from './keys-stage.mjs';
import { jsonLoad } from './load.mjs';
import { postgresMissing, redisMissing, startPostgres, startRedis } from './local-servers.mjs';
import { pairedRounds, quartiles } from './paired.mjs';
import { memory, root, startSwitchyard, stop } from './processes.mjs';

const median = (values) => quartiles(values).median;

/** Issue 21: shared state and the PostgreSQL store within this of the embedded default, keyed requests both. */
export const STATE_BUDGET = { cpuRatio: 1.3, addedP50Ms: 0.5 };

/** Why the stage cannot run here (no redis-server or PostgreSQL), or undefined. */
export const stateStageMissing = redisMissing ?? postgresMissing;

/** The bench config with `state.redis` and `storage.postgres` added, their URLs and key prefix from the environment. */
function sharedConfig() {
  const config = parse(readFileSync(join(root, 'bench/gateway/switchyard.yaml'), 'utf8'));
  config.state = { redis: { url: '${BENCH_REDIS_URL}', key_prefix: '${BENCH_REDIS_PREFIX}' } };
  config.storage = { ...config.storage, postgres: { url: '${BENCH_POSTGRES_URL}' } };
  const file = join(root, 'bench/results/switchyard-state.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/**
 * `rounds` paired rounds of JSON at c=64 (CPU per request of each gateway process), then
 * `latencyRounds` alternating rounds at c=1, one target loaded at a time (p50); both targets keyed.
 * Returns the rounds, the ratio of CPU per request (over the requests answered 200) and the added
 * p50 (shared minus embedded, the median of the rounds' differences), the requests each refused,
 * and each target's peak RSS.
 */
export async function stateStage(upstream, { rounds, seconds, latencyRounds = rounds, log }) {
  const redis = await startRedis();
  const postgres = await startPostgres();
  try {
    const config = sharedConfig();
    let started = 0;
    const starts = {
      embedded: () => startSwitchyard(upstream.url, { virtualKey: KEY_OPTIONS }),
      // A prefix per start: no counter of an earlier process is read again.
      shared: () =>
        startSwitchyard(upstream.url, {
          virtualKey: KEY_OPTIONS,
          config,
          env: { BENCH_REDIS_URL: redis.url, BENCH_REDIS_PREFIX: `bench${++started}:`, BENCH_POSTGRES_URL: postgres.url },
          keyStore: ['--postgres', postgres.url],
        }),
    };
    // A request the shared gateway refuses (503 state_unavailable: Redis did not answer within
    // timeout_ms) is counted and reported, not fatal: how often that happens under load is a finding.
    const refused = { embedded: 0, shared: 0 };
    const nameOf = new Map();
    const tracked = Object.fromEntries(
      Object.entries(starts).map(([name, start]) => [
        name,
        async () => {
          const target = await start();
          nameOf.set(target.url, name);
          return target;
        },
      ]),
    );
    const load = async (url, options) => {
      const result = await jsonLoad(url, options);
      refused[nameOf.get(url)] += result.non2xx;
      return { ...result, non2xx: 0 };
    };
    const cpu = await pairedRounds(tracked, {
      rounds,
      seconds,
      connections: 64,
      load,
      onRound: (round) => log(`  state  embedded ${round.embedded.toFixed(0)}, Redis + PostgreSQL ${round.shared.toFixed(0)} µs/req (c=64, paired)`),
    });
    const latency = await alternatingP50(starts, { rounds: latencyRounds, seconds, refused, log });
    return {
      rounds: cpu,
      refused,
      cpuRatio: quartiles(cpu.map((round) => round.shared / round.embedded)),
      latency,
      addedP50Ms: median(latency.rounds.map((round) => round.shared - round.embedded)),
    };
  } finally {
    await redis.stop();
    await postgres.stop();
  }
}

/** p50 at c=1, the targets loaded one at a time in an order that rotates each round, after a warm-up at c=64. */
async function alternatingP50(starts, { rounds, seconds, refused, log }) {
  const names = Object.keys(starts);
  const running = new Map();
  try {
    for (const name of names) running.set(name, await starts[name]());
    const load = async (name, connections, loadSeconds) => {
      const target = running.get(name);
      const result = await jsonLoad(target.url, { connections, seconds: loadSeconds, key: target.key });
      if (result.errors > 0) throw new Error(`${name}: ${result.errors} errors at c=${connections}`);
      refused[name] += result.non2xx;
      return result;
    };
    for (const name of names) await load(name, 64, 5);
    const all = [];
    for (let round = 0; round < rounds; round++) {
      const p50 = {};
      for (const name of names.map((_, i) => names[(i + round) % names.length])) p50[name] = (await load(name, 1, seconds)).p50;
      all.push(p50);
      log(`  state  p50 at c=1: embedded ${p50.embedded.toFixed(3)} ms, Redis + PostgreSQL ${p50.shared.toFixed(3)} ms`);
    }
    const peakRssMb = Object.fromEntries(names.map((name) => [name, memory(running.get(name).pid).peakRssMb]));
    return { rounds: all, peakRssMb };
  } finally {
    for (const target of running.values()) await stop(target);
  }
}
