// Switchyard's CPU per request against a proxy's, measured the way the independent harness
// (gatewaybench, ../shared/tools/gatewaybench) measures it, so the two can be run back to back and
// agree: wrk with one thread (autocannon when wrk is missing, and the result says so), the load
// generator and the fake upstream on one core, each target alone on the other; a proxy that parses
// and re-serialises each body; one short request (a system and a user message, max_tokens 16);
// each target warmed at the same concurrency right before each measured run, the targets taking
// turns within a round and the order rotating; CPU from /proc for the target's whole process tree.
// Each of those can be switched back to what the rest of `npm run bench` does, one at a time, to
// see which moves the ratio (bench/cpu-ratio.mjs).
import { DIALECTS, jsonLoad, requestBodies } from './load.mjs';
import { quartiles } from './paired.mjs';
import { treeCpuSeconds } from './process-tree-cpu.mjs';
import { startMinimalProxy, startParsingProxy, startSwitchyard, stop } from './processes.mjs';
import { wrkLoad, wrkMissing } from './wrk-load.mjs';

/** gatewaybench's request, to the bench config's router. */
export const GATEWAYBENCH_BODY = JSON.stringify({
  model: 'auto',
  messages: [
    { role: 'system', content: 'You are a test.' },
    { role: 'user', content: 'Say hello.' },
  ],
  max_tokens: 16,
});

/** The choices, each the independent harness's way first. */
export const CHOICES = {
  driver: ['wrk', 'autocannon'],
  proxy: ['parse', 'pipe'],
  body: ['gatewaybench', 'bench'],
};

const PROXIES = { parse: startParsingProxy, pipe: startMinimalProxy };
const BODIES = { gatewaybench: () => [GATEWAYBENCH_BODY], bench: () => requestBodies(false) };
/** The middle value, or the mean of the two middle ones (as the harness takes it: with its 2 or 3 repetitions, nearest rank would pick the higher). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `rounds` rounds at `connections`: in each, the proxy and Switchyard in turn (the order rotating),
 * each warmed for `warmUpSeconds` and then measured for `seconds`. Returns the rounds' CPU µs per
 * request and req/s, and the ratios: `cpuRatio` as the harness prints it (the median of Switchyard's
 * rounds over the median of the proxy's), `cpuRatioRounds` the quartiles of each round's own ratio.
 * `main` and `config`: another build's dist/cli/main.js and another config than startSwitchyard's defaults.
 */
export async function cpuRatioStage(upstream, { rounds, seconds, warmUpSeconds, connections = 64, driver = 'wrk', proxy = 'parse', body = 'gatewaybench', main, config, log = () => {} }) {
  const fellBack = driver === 'wrk' && wrkMissing !== undefined;
  const used = fellBack ? 'autocannon' : driver;
  if (fellBack) log(`  ${wrkMissing}: autocannon instead`);
  const bodies = BODIES[body]();
  const { path, headers } = DIALECTS.openai;
  const load = (url, loadSeconds) =>
    used === 'wrk' ? wrkLoad(url, { connections, seconds: loadSeconds, path, headers, bodies }) : jsonLoad(url, { connections, seconds: loadSeconds, bodies });
  const targets = new Map();
  const measured = [];
  try {
    targets.set('proxy', await PROXIES[proxy](upstream.url));
    targets.set('switchyard', await startSwitchyard(upstream.url, { ...(main === undefined ? {} : { main }), ...(config === undefined ? {} : { config }) }));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['proxy', 'switchyard'] : ['switchyard', 'proxy'];
      const figures = {};
      for (const name of order) {
        const { url, pid } = targets.get(name);
        await load(url, warmUpSeconds);
        // The harness pauses between its warm-up and its run; a target's last responses settle meanwhile.
        await sleep(200);
        const before = treeCpuSeconds(pid);
        const result = await load(url, seconds);
        const cpu = treeCpuSeconds(pid) - before;
        if (result.non2xx > 0 || result.errors > 0) {
          const kinds = result.errorKinds === undefined ? '' : ` (${Object.entries(result.errorKinds).map(([kind, count]) => `${kind} ${count}`).join(', ')})`;
          throw new Error(`${name}: ${result.non2xx} non-2xx responses and ${result.errors} errors${kinds} in round ${round + 1}`);
        }
        figures[name] = { cpuMicrosPerRequest: (cpu * 1e6) / result.requests, perSecond: result.perSecond, p50: result.p50 };
      }
      measured.push(figures);
      log(`  round ${round + 1}: proxy ${figures.proxy.cpuMicrosPerRequest.toFixed(0)} µs/req ${figures.proxy.perSecond.toFixed(0)} req/s, switchyard ${figures.switchyard.cpuMicrosPerRequest.toFixed(0)} µs/req ${figures.switchyard.perSecond.toFixed(0)} req/s`);
    }
  } finally {
    for (const target of targets.values()) await stop(target);
  }
  const of = (name, key) => median(measured.map((figures) => figures[name][key]));
  return {
    driver: used,
    ...(fellBack ? { driverMissing: wrkMissing } : {}),
    proxy,
    body,
    connections,
    rounds: measured,
    proxyCpuMicros: of('proxy', 'cpuMicrosPerRequest'),
    switchyardCpuMicros: of('switchyard', 'cpuMicrosPerRequest'),
    cpuRatio: of('switchyard', 'cpuMicrosPerRequest') / of('proxy', 'cpuMicrosPerRequest'),
    cpuRatioRounds: quartiles(measured.map((figures) => figures.switchyard.cpuMicrosPerRequest / figures.proxy.cpuMicrosPerRequest)),
    throughputRatio: of('switchyard', 'perSecond') / of('proxy', 'perSecond'),
  };
}
