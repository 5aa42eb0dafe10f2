// A request with a virtual key against the same request with the static key: two Switchyard
// processes on the same config, one loaded with a key that has a budget, requests, tokens and
// concurrency limits (all checked on every request, none reached), one with the static key, and the
// minimal proxy as the yardstick, all under load at once (paired.mjs).
import { pairedRounds, quartiles } from './paired.mjs';
import { startMinimalProxy, startSwitchyard } from './processes.mjs';

/** Limits high enough never to refuse a benchmark request, so every check runs and none ends the run. */
export const KEY_OPTIONS = ['--name', 'bench', '--team', 'bench', '--budget', '1000000/month', '--rpm', '100000000', '--tpm', '10000000000', '--max-concurrent', '100000'];

/** Rounds of paired JSON load at c=64; the quartiles of the keyed gateway's CPU per request over the static-key gateway's, round by round. */
export async function keysStage(upstream, { rounds, seconds, log }) {
  const starts = {
    proxy: () => startMinimalProxy(upstream.url),
    static: () => startSwitchyard(upstream.url),
    keyed: () => startSwitchyard(upstream.url, { virtualKey: KEY_OPTIONS }),
  };
  const cpu = await pairedRounds(starts, {
    rounds,
    seconds,
    connections: 64,
    onRound: (round) => log(`  keys   proxy ${round.proxy.toFixed(0)}, static key ${round.static.toFixed(0)}, virtual key with limits ${round.keyed.toFixed(0)} µs/req`),
  });
  return { rounds: cpu, keyedRatio: quartiles(cpu.map((round) => round.keyed / round.static)) };
}
