// Paired rounds: every target takes the same JSON load at the same time, on the same pinned core,
// round after round. On a machine whose speed drifts within seconds, a slow phase then slows every
// target alike, so within a run the ratio of their CPU per request holds where back-to-back runs
// mostly measure the drift (an A/A run of one build against itself reads 1.00 within a few percent).
// Between runs, a ratio against the proxy still moves with the machine's phase.
import { jsonLoad } from './load.mjs';
import { cpuSeconds } from './processes.mjs';

/**
 * `targets` maps a name to a running target; `onRound` sees each round's CPU µs per request by
 * name. Returns the rounds. A target answering anything but 200 fails the run.
 */
export async function pairedRounds(targets, { rounds, seconds, connections, onRound = () => {} }) {
  const entries = Object.entries(targets);
  for (const [, target] of entries) await jsonLoad(target.url, { connections, seconds: 2 });
  const all = [];
  for (let round = 0; round < rounds; round++) {
    const before = entries.map(([, target]) => cpuSeconds(target.pid));
    const results = await Promise.all(entries.map(([, target]) => jsonLoad(target.url, { connections, seconds })));
    const cpu = {};
    entries.forEach(([name, target], i) => {
      const { non2xx, errors, requests } = results[i];
      if (non2xx > 0 || errors > 0) throw new Error(`${name}: ${non2xx} non-2xx responses and ${errors} errors in paired round ${round + 1}`);
      cpu[name] = ((cpuSeconds(target.pid) - before[i]) * 1e6) / requests;
    });
    all.push(cpu);
    onRound(cpu, round);
  }
  return all;
}

/** The median and quartiles of `values` (nearest rank). */
export function quartiles(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { median: at(0.5), low: at(0.25), high: at(0.75) };
}
