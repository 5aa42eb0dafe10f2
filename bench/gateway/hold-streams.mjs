// Exactly `count` streams open at once, for the live heap per open stream: a load that loops
// (load.mjs#streamLoad) has a varying number open at any moment (585 in Switchyard and 955 in the
// proxy at one probe), so dividing by the connections it uses compares unlike counts.
import { Pool } from 'undici';
import { requestBodies } from './load.mjs';

/** The bench config's static key (bench/gateway/switchyard.yaml); the proxy ignores it. */
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer bench-gateway-key' };
const FIRST_TOKEN = '"content":"The"';

/**
 * Sends `count` streaming requests at once over as many connections and resolves once every one of
 * them has shown its first content token and none has ended, with `ended`: a promise of when they
 * all have. The upstream's chunk interval must leave time for all of them to start (it rejects if
 * one ends first, or fails).
 */
export async function holdStreams(url, count) {
  const bodies = requestBodies(true);
  const pool = new Pool(url, { connections: count, pipelining: 1, keepAliveTimeout: 60_000 });
  let started = 0;
  let endedEarly = false;
  let allStarted;
  const everyStarted = new Promise((resolve) => (allStarted = resolve));
  const one = async (index) => {
    const response = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: HEADERS, body: bodies[index % bodies.length] });
    if (response.statusCode !== 200) throw new Error(`a held stream answered ${response.statusCode}`);
    let text = '';
    let first = false;
    for await (const chunk of response.body) {
      text += chunk;
      if (!first && text.includes(FIRST_TOKEN)) {
        first = true;
        if (++started === count) allStarted();
      }
    }
    if (started < count) endedEarly = true;
  };
  const ended = Promise.all(Array.from({ length: count }, (_, index) => one(index))).finally(() => pool.close());
  await Promise.race([everyStarted, ended.then(() => Promise.reject(new Error('every held stream ended before all had started')))]);
  if (endedEarly) throw new Error(`a held stream ended before all ${count} had started: the upstream's chunk interval is too short for this machine`);
  return { ended };
}
