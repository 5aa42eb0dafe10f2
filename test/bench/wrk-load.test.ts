// The benchmark's wrk driver (bench/gateway/wrk-load.mjs): what it reads from wrk, and, where wrk
// is installed, that it sends the bodies in turn and counts what was not a 2xx apart.
import { describe, expect, it } from 'vitest';
import { readWrkSummary, wrkLoad, wrkMissing } from '../../bench/gateway/wrk-load.mjs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

describe('readWrkSummary', () => {
  it('reads latencies in ms and keeps the non-2xx responses out of the requests', () => {
    const stdout =
      'Running 1s test @ http://127.0.0.1:1/\n' +
      'WRK_SUMMARY {"durationMicros":2000000,"requests":1000,"connect":1,"read":2,"write":0,"status":100,"timeout":3,"p50":250,"p99":1500}\n';
    expect(readWrkSummary(stdout)).toEqual({ requests: 900, perSecond: 450, p50: 0.25, p99: 1.5, non2xx: 100, errors: 6, errorKinds: { connect: 1, read: 2, write: 0, timeout: 3 } });
  });

  it('is undefined when wrk printed no summary', () => {
    expect(readWrkSummary('unable to connect to 127.0.0.1:1 Connection refused\n')).toBeUndefined();
  });
});

describe.skipIf(wrkMissing !== undefined)('wrkLoad', () => {
  it('POSTs the bodies in turn with the headers, once each content type', async () => {
    const seen = new Map<string, number>();
    const contentTypes = new Set<string>();
    const server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        seen.set(text, (seen.get(text) ?? 0) + 1);
        // Raw, as node:http would keep only the first of two content types.
        contentTypes.add(request.rawHeaders.filter((_, i) => i % 2 === 0 && request.rawHeaders[i]!.toLowerCase() === 'content-type').length === 1 ? String(request.headers['content-type']) : 'twice');
        const ok = request.method === 'POST' && request.url === '/v1/x' && request.headers.authorization === 'Bearer k' && text !== JSON.stringify({ n: 2 });
        response.writeHead(ok ? 200 : 500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const bodies = [JSON.stringify({ n: 1 }), JSON.stringify({ n: 2 })];
      const result = await wrkLoad(origin, { connections: 2, seconds: 1, path: '/v1/x', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, bodies });
      expect([...seen.keys()].sort()).toEqual(bodies);
      expect(result.requests).toBeGreaterThan(0);
      expect(result.non2xx).toBeGreaterThan(0);
      // The two bodies go out in turn: about as many of each.
      expect(Math.abs(result.requests - result.non2xx)).toBeLessThanOrEqual(4);
      expect(result.errors).toBe(0);
      expect([...contentTypes]).toEqual(['application/json']);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
