// Paired rounds: every target takes the same JSON load at the same time, on the same pinned core,
// round after round. On a machine whose speed drifts within seconds, a slow phase then slows every
// target alike, so within a run the ratio of their CPU per request holds where back-to-back runs
// mostly measure the drift. Between runs, a ratio against the proxy still moves with the machine's phase.
//
// Which target was started first biases every round after by a few percent (in A/A runs of one
// build, the one started second read 0.92 to 0.94 of the other); whose load starts first may too.
// So the load's order rotates from round to round, and with `blocks` > 1 the targets are started
// afresh for each block of rounds, in a rotating order. A fresh Switchyard needs several seconds
// of load before its CPU per request settles (its heap is still growing: the first seconds read
// 3x), hence the long warm-up, taken by all the targets together.
import { jsonLoad } from './load.mjs';
import { cpuSeconds, stop } from './processes.mjs';

const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

/**
 * `starts` maps a name to a function that starts that target. `onRound` sees each round's CPU µs per
 * request by name. Returns the rounds. A target answering anything but 200 fails the run.
 */
export async function pairedRounds(starts, { rounds, seconds, connections, blocks = 1, warmUpSeconds = 8, load = jsonLoad, onRound = () => {} }) {
  const names = Object.keys(starts);
  const running = new Map();
  const stopAll = async () => {
    for (const target of running.values()) await stop(target);
    running.clear();
  };
  const all = [];
  try {
    for (let block = 0; block < blocks; block++) {
      for (const name of rotate(names, block)) running.set(name, await starts[name]());
      // A target may speak another dialect, or send a virtual key (`dialect`, `key` on what its start returned).
      const loadOf = (name, loadSeconds) => load(running.get(name).url, { connections, seconds: loadSeconds, dialect: running.get(name).dialect, key: running.get(name).key });
      await Promise.all(names.map((name) => loadOf(name, warmUpSeconds)));
      const last = Math.round(((block + 1) * rounds) / blocks);
      for (let round = all.length; round < last; round++) {
        const order = rotate(names, round);
        const before = order.map((name) => cpuSeconds(running.get(name).pid));
        const results = await Promise.all(order.map((name) => loadOf(name, seconds)));
        const cpu = {};
        order.forEach((name, i) => {
          const { non2xx, errors, requests } = results[i];
          if (non2xx > 0 || errors > 0) throw new Error(`${name}: ${non2xx} non-2xx responses and ${errors} errors in paired round ${round + 1}`);
          cpu[name] = ((cpuSeconds(running.get(name).pid) - before[i]) * 1e6) / requests;
        });
        all.push(Object.fromEntries(names.map((name) => [name, cpu[name]])));
        onRound(all[round], round);
      }
      await stopAll();
    }
  } finally {
    await stopAll();
  }
  return all;
}

/** The median and quartiles of `values` (nearest rank). */
export function quartiles(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { median: at(0.5), low: at(0.25), high: at(0.75) };
}
