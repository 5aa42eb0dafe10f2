// Load generators. JSON: autocannon, with each response's own latency taken from its events
// (its histograms round to whole milliseconds). Streams: an undici client that times the first
// content token of every response.
import autocannon from 'autocannon';
import { Pool } from 'undici';

const GATEWAY_KEY = 'bench-gateway-key';

/**
 * What a client of each edge sends: its path, headers, and how its stream shows the first content
 * token and a clean end. `openai` is Chat Completions; `anthropic` the Messages API; `responses` the Responses API.
 */
export const DIALECTS = {
  openai: {
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_KEY}` },
    firstToken: '"content":"The"',
    end: '[DONE]',
  },
  anthropic: {
    path: '/v1/messages',
    headers: { 'content-type': 'application/json', 'x-api-key': GATEWAY_KEY, 'anthropic-version': '2023-06-01' },
    firstToken: '"text":"The"',
    end: 'event: message_stop',
  },
  responses: {
    path: '/v1/responses',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_KEY}` },
    firstToken: '"delta":"The"',
    end: 'event: response.completed',
  },
};
const HEADERS = DIALECTS.openai.headers;

/** A dialect's request with another gateway key (a virtual key) in place of the static one. */
function withKey(dialect, key) {
  if (key === undefined) return dialect;
  const headers = { ...dialect.headers };
  if ('authorization' in headers) headers.authorization = `Bearer ${key}`;
  else headers['x-api-key'] = key;
  return { ...dialect, headers };
}

/** Requests that cover the bench config's routes: a short question, code, creative, billing, a long hard one; in `dialect`'s shape. */
export function requestBodies(stream, dialect = 'openai') {
  const hard =
    'Compare the trade-offs between optimistic and pessimistic concurrency control in a distributed database. ' +
    'Explain step by step how each handles write skew, analyse the consequences for serializability, and derive when each is preferable. '.repeat(3);
  const bodies = [
    { messages: [{ role: 'user', content: 'What is the capital of Japan?' }] },
    { messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Write a python function that parses a CSV file and returns the rows as dicts.' }] },
    { messages: [{ role: 'user', content: 'Write a short story about a lighthouse keeper.' }] },
    { messages: [{ role: 'user', content: 'Why was I charged twice this month?' }], metadata: { team: 'billing' } },
    { messages: [{ role: 'user', content: 'Summarise this paragraph for me please: the meeting moved to Thursday.' }] },
    { messages: [{ role: 'user', content: hard }] },
  ];
  if (dialect === 'anthropic') {
    // The same conversations as Messages requests: the system prompt at the top, no routing metadata (the Messages API has none).
    return bodies.map(({ messages }) => {
      const system = messages.filter((message) => message.role === 'system').map((message) => message.content);
      const turns = messages.filter((message) => message.role !== 'system');
      return JSON.stringify({ model: 'auto', max_tokens: 256, ...(system.length > 0 ? { system: system.join('\n') } : {}), messages: turns, ...(stream ? { stream: true } : {}) });
    });
  }
  if (dialect === 'responses') {
    // The same conversations as Responses requests: the system prompt as instructions, the turns as input messages, the metadata kept.
    return bodies.map(({ messages, metadata }) => {
      const system = messages.filter((message) => message.role === 'system').map((message) => message.content);
      const input = messages.filter((message) => message.role !== 'system');
      return JSON.stringify({ model: 'auto', ...(system.length > 0 ? { instructions: system.join('\n') } : {}), input, ...(metadata ? { metadata } : {}), ...(stream ? { stream: true } : {}) });
    });
  }
  return bodies.map((body) => JSON.stringify({ model: 'auto', ...body, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) }));
}

const percentile = (sorted, q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);

/**
 * JSON requests at a steady `rate`, evenly spaced (open loop: a request goes out on time whether
 * or not the earlier ones have answered), over a pool of `connections`: a gateway's latency under
 * a load it carries, rather than its capacity.
 */
export async function pacedLoad(url, { connections, seconds, rate }) {
  const bodies = requestBodies(false);
  const pool = new Pool(url, { connections, keepAliveTimeout: 60_000 });
  const latencies = [];
  const pending = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const send = async () => {
    const begun = performance.now();
    try {
      const response = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: HEADERS, body: bodies[sent++ % bodies.length] });
      await response.body.dump();
      if (response.statusCode === 200) latencies.push(performance.now() - begun);
      else non2xx++;
    } catch {
      errors++;
    }
  };
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      if (elapsed >= seconds * 1000) {
        clearInterval(timer);
        resolve();
        return;
      }
      // Timers fire about every millisecond: send what the schedule owes by now.
      while (sent < (elapsed / 1000) * rate) pending.push(send());
    }, 1);
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, perSecond: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), non2xx, errors };
}

/**
 * JSON requests from `connections` keep-alive connections for `seconds`, each sent when the last answered; with `key` (a virtual key)
 * in place of the static one, and `bodies` (JSON strings, sent in turn) in place of requestBodies'.
 */
export function jsonLoad(url, { connections, seconds, dialect = 'openai', key, bodies = requestBodies(false, dialect) }) {
  const latencies = [];
  const { path, headers } = withKey(DIALECTS[dialect], key);
  let non2xx = 0;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: `${url}${path}`,
        connections,
        duration: seconds,
        requests: bodies.map((body) => ({ method: 'POST', headers, body })),
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsed = (performance.now() - started) / 1000;
        latencies.sort((a, b) => a - b);
        resolve({ requests: latencies.length, perSecond: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), non2xx, errors: result.errors + result.timeouts });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) latencies.push(responseTime);
      else non2xx++;
    });
  });
}

/**
 * Streaming requests from `connections` connections for `seconds`: each reads the whole SSE
 * stream and notes when its first content token arrived.
 */
export async function streamLoad(url, { connections, seconds, dialect = 'openai', key }) {
  const bodies = requestBodies(true, dialect);
  const { path, headers, firstToken, end: clean } = withKey(DIALECTS[dialect], key);
  const pool = new Pool(url, { connections, keepAliveTimeout: 60_000, pipelining: 1 });
  const ttft = [];
  const total = [];
  let non2xx = 0;
  let errors = 0;
  let incomplete = 0;
  let sent = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const body = bodies[sent++ % bodies.length];
      const begun = performance.now();
      try {
        const response = await pool.request({ path, method: 'POST', headers, body });
        if (response.statusCode !== 200) {
          non2xx++;
          await response.body.dump();
          continue;
        }
        let text = '';
        let first;
        for await (const chunk of response.body) {
          text += chunk;
          if (first === undefined && text.includes(firstToken)) first = performance.now() - begun;
        }
        if (first === undefined || !text.includes(clean)) incomplete++;
        else {
          ttft.push(first);
          total.push(performance.now() - begun);
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, () => worker()));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  ttft.sort((a, b) => a - b);
  total.sort((a, b) => a - b);
  return {
    requests: total.length,
    perSecond: total.length / elapsed,
    ttftP50: percentile(ttft, 0.5),
    ttftP99: percentile(ttft, 0.99),
    p50: percentile(total, 0.5),
    p99: percentile(total, 0.99),
    non2xx,
    errors: errors + incomplete,
  };
}
