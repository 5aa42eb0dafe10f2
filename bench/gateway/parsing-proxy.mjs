// A second floor for the gateway benchmark: the least a proxy that reads requests does, as the
// independent harness's proxy does in its default mode. node:http in front of an undici pool of up
// to 512 connections; each request body is read whole, parsed, looked at (the model, the stream
// flag) and serialised again; request headers are forwarded but for the hop-by-hop ones; the
// upstream's answer goes back chunk by chunk as it arrives (SSE is never held).
// minimal-proxy.mjs is the other floor: bytes piped through, nothing parsed.
// `node parsing-proxy.mjs UPSTREAM_URL`: prints its URL.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const pool = new Pool(process.argv[2], { connections: 512, pipelining: 1, keepAliveTimeout: 60_000 });

/** Headers that belong to one connection, not to the request (RFC 9110 §7.6.1), and the length, which the new body sets. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length']);

function forwardable(headers) {
  const kept = {};
  for (const [name, value] of Object.entries(headers)) if (!NOT_FORWARDED.has(name)) kept[name] = value;
  return kept;
}

function refuse(response, status, message) {
  const body = JSON.stringify({ error: { message, type: 'proxy_error' } });
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

async function forward(request, response, body) {
  let upstream;
  try {
    upstream = await pool.request({ path: request.url, method: request.method, headers: { ...forwardable(request.headers), 'content-length': String(Buffer.byteLength(body)) }, body });
  } catch (error) {
    refuse(response, 502, `upstream: ${error.code ?? error.message}`);
    return;
  }
  const headers = forwardable(upstream.headers);
  if (upstream.headers['content-length'] !== undefined) headers['content-length'] = upstream.headers['content-length'];
  response.writeHead(upstream.statusCode, headers);
  try {
    for await (const chunk of upstream.body) {
      if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end();
  } catch (error) {
    response.destroy(error);
  }
}

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    let json;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      refuse(response, 400, 'the body is not JSON');
      return;
    }
    // What any router reads before it sends a request on: which model, and whether it streams.
    if (typeof json.model !== 'string') json.model = 'default';
    if (json.stream === true && json.stream_options === undefined) json.stream_options = { include_usage: true };
    void forward(request, response, JSON.stringify(json));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
