// The floor of the gateway benchmark: the least a Node proxy can do, node:http in front of an
// undici pool, passing bodies through untouched in both directions (no parsing, no routing, no
// accounting). `node minimal-proxy.mjs UPSTREAM_URL`: prints its URL.
import { createServer } from 'node:http';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';

const pool = new Pool(process.argv[2], { keepAliveTimeout: 60_000 });

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  pool.request(
    {
      path: request.url,
      method: request.method,
      headers: { 'content-type': request.headers['content-type'] ?? 'application/json', authorization: 'Bearer bench' },
      body: request,
    },
    (error, upstream) => {
      if (error) {
        response.writeHead(502).end();
        return;
      }
      const headers = { 'content-type': upstream.headers['content-type'] };
      if (upstream.headers['content-length'] !== undefined) headers['content-length'] = upstream.headers['content-length'];
      response.writeHead(upstream.statusCode, headers);
      pipeline(upstream.body, response, () => {});
    },
  );
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
