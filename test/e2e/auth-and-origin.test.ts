import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/run-cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

/**
 * Auth that fails closed, and the browser guards: a web page must not reach the API of a gateway
 * on localhost (cross-origin requests, form posts, DNS rebinding), while API clients, which send
 * no Origin, work as before. Browser headers are written as Chromium and Firefox send them.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const CHAT = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`browser origin tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium).`);

type Answer = { status: number; headers: IncomingHttpHeaders; body: string };

/** A raw request (node:http sends the Host and Origin it is given, as a browser or an attacker would). */
function send(baseUrl: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${baseUrl}${options.path}`, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

const errorOf = (answer: Answer): { message: string; type: string; code: string } => (JSON.parse(answer.body) as { error: { message: string; type: string; code: string } }).error;

let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});

afterAll(async () => {
  await upstream.close();
});

describe('a gateway without keys, on loopback', () => {
  let gateway: TestGateway;
  let host: string;

  beforeAll(async () => {
    gateway = await startGateway(testConfig(upstream.url));
    host = new URL(gateway.url).host;
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('refuses a cross-origin text/plain POST (a page spending the operator money) before any upstream call', async () => {
    upstream.requests.length = 0;
    const chrome = await send(gateway.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'content-type': 'text/plain;charset=UTF-8', 'user-agent': CHROME_UA },
      body: CHAT,
    });
    expect(chrome.status).toBe(403);
    expect(errorOf(chrome)).toEqual({
      message: 'Cross-origin request from origin "https://attacker.example" refused: browsers may call this API only from its own origin; to allow a web app, list its origin in server.cors.allowed_origins.',
      type: 'invalid_request_error',
      param: null,
      code: 'cross_origin',
    });
    expect(chrome.headers['access-control-allow-origin']).toBeUndefined();
    // A browser without Sec-Fetch-* (older Firefox and Safari): the Origin decides; and a page on another port of the same host.
    const origins = ['https://attacker.example', 'null', `http://localhost:${new URL(gateway.url).port}`, 'http://127.0.0.1:1'];
    for (const origin of origins) {
      const answer = await send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { origin, 'content-type': 'application/json' }, body: CHAT });
      expect(answer.status, origin).toBe(403);
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a cross-site read of the traces, stats and metrics, even without an Origin', async () => {
    for (const path of ['/v1/traces', '/v1/stats', '/metrics', '/v1/models']) {
      const answer = await send(gateway.url, { path, headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'user-agent': CHROME_UA } });
      expect(answer.status, path).toBe(403);
      expect(errorOf(answer).message).toMatch(/^Cross-origin request from a page on another site refused/);
    }
    // A page on another port of this host is same-site, not same-origin; a no-cors GET carries no Origin.
    const sameSite = await send(gateway.url, { path: '/v1/traces', headers: { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'user-agent': CHROME_UA } });
    expect(sameSite.status).toBe(403);
  });

  it('refuses a form post from a browser that sends neither Origin nor Sec-Fetch-Site', async () => {
    upstream.requests.length = 0;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'TEXT/PLAIN ; charset=utf-8']) {
      const answer = await send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': type, 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; rv:68.0) Gecko/20100101 Firefox/68.0' }, body: CHAT });
      expect(answer.status, type).toBe(403);
      expect(errorOf(answer)).toMatchObject({ code: 'form_content_type', message: expect.stringMatching(/^A browser POST with Content-Type ".*" is refused: an HTML form on any site can send that type\. Send the body as application\/json\.$/) });
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('serves API clients as before: the openai SDK, a fetch or curl that sends text/plain, a same-origin page', async () => {
    const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'none', maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    // Node's fetch sends text/plain for a string body, and Sec-Fetch-Mode: cors; curl -d sends a form type.
    expect((await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', body: CHAT })).status).toBe(200);
    const curl = await send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'curl/8.5.0' }, body: CHAT });
    expect(curl.status).toBe(200);
    // The dashboard's own fetches (same origin), and a URL typed in the address bar.
    const sameOrigin = await send(gateway.url, { path: '/v1/stats', headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'user-agent': CHROME_UA } });
    expect(sameOrigin.status).toBe(200);
    const post = await send(gateway.url, { method: 'POST', path: '/v1/route', headers: { origin: gateway.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', 'user-agent': CHROME_UA }, body: CHAT });
    expect(post.status).toBe(200);
    const typed = await send(gateway.url, { path: '/v1/models', headers: { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'user-agent': CHROME_UA } });
    expect(typed.status).toBe(200);
  });

  it('opens the dashboard page from a link on another site (its API calls are checked)', async () => {
    const page = await send(gateway.url, { path: '/', headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'user-agent': CHROME_UA } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('refuses a foreign Host (DNS rebinding) on the API and the page, before any upstream call, but not on /healthz', async () => {
    upstream.requests.length = 0;
    const rebound = `rebind.attacker.example:${new URL(gateway.url).port}`;
    const traces = await send(gateway.url, { path: '/v1/traces', headers: { host: rebound } });
    expect(traces.status).toBe(421);
    expect(errorOf(traces)).toEqual({
      message: `Host "${rebound}" is not served here: this gateway listens on 127.0.0.1, so it answers only to localhost names and IP addresses (a guard against DNS rebinding). To serve this name, add it to server.allowed_hosts.`,
      type: 'invalid_request_error',
      param: null,
      code: 'host_not_allowed',
    });
    // Same-origin as far as the browser knows: only the Host gives it away.
    const chat = await send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { host: rebound, origin: `http://${rebound}`, 'content-type': 'application/json' }, body: CHAT });
    expect(chat.status).toBe(421);
    expect((await send(gateway.url, { path: '/', headers: { host: rebound } })).status).toBe(421);
    expect(upstream.requests).toHaveLength(0);

    expect((await send(gateway.url, { path: '/healthz', headers: { host: rebound } })).status).toBe(200);
    for (const name of [host, `localhost:${new URL(gateway.url).port}`, 'app.localhost', '[::1]:8787', '10.0.0.7:8787']) {
      expect((await send(gateway.url, { path: '/v1/traces', headers: { host: name } })).status, name).toBe(200);
    }
  });
});

describe('a gateway with keys, allowed hosts and CORS', () => {
  const APP = 'http://app.example:3000';
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(
      testConfig(upstream.url, `server:\n  api_keys: ["gw-key"]\n  allowed_hosts: [gw.example.com, "*.corp.example"]\n  cors: { allowed_origins: ["${APP}"] }\n`),
    );
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('serves the allowed names and refuses the others', async () => {
    const auth = { authorization: 'Bearer gw-key' };
    for (const name of ['gw.example.com', 'GW.example.com:8443', 'eu.corp.example', 'localhost:1']) {
      expect((await send(gateway.url, { path: '/v1/models', headers: { ...auth, host: name } })).status, name).toBe(200);
    }
    const refused = await send(gateway.url, { path: '/v1/models', headers: { ...auth, host: 'corp.example' } });
    expect(refused.status).toBe(421);
    expect(errorOf(refused).message).toContain('answers only to localhost names, IP addresses and the names in server.allowed_hosts');
  });

  it('answers the preflight of an allowed origin without a key, as a browser needs', async () => {
    const preflight = await send(gateway.url, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: {
        origin: APP,
        'sec-fetch-site': 'cross-site',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-stainless-os',
        'access-control-request-private-network': 'true',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST, DELETE',
      'access-control-allow-headers': 'authorization,content-type,x-stainless-os',
      'access-control-allow-private-network': 'true',
      'access-control-max-age': '600',
    });
    expect(preflight.headers['vary']).toContain('Origin');
  });

  it('serves the allowed origin with the CORS headers, the contract headers readable, and its errors readable too', async () => {
    upstream.requests.length = 0;
    const headers = { origin: APP, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json', 'user-agent': CHROME_UA };
    const answer = await send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { ...headers, authorization: 'Bearer gw-key' }, body: CHAT });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
    expect(answer.headers['vary']).toBe('Origin');
    expect(answer.headers['access-control-expose-headers']?.split(', ')).toEqual(expect.arrayContaining(['x-switchyard-model', 'x-switchyard-trace-id', 'x-switchyard-cost-usd']));
    expect(answer.headers['x-switchyard-model']).toBe('cheap');

    const unauthenticated = await send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers, body: CHAT });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['access-control-allow-origin']).toBe(APP);
    expect(upstream.requests).toHaveLength(1);
  });

  it('refuses an origin that is not listed, its preflight, and a form post from the listed one', async () => {
    upstream.requests.length = 0;
    const other = await send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { origin: 'http://evil.example', authorization: 'Bearer gw-key', 'content-type': 'application/json' }, body: CHAT });
    expect(other.status).toBe(403);
    expect(errorOf(other).message).toBe('Cross-origin request from origin "http://evil.example" refused: it is not in server.cors.allowed_origins.');
    const preflight = await send(gateway.url, { method: 'OPTIONS', path: '/v1/chat/completions', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const form = await send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { origin: APP, authorization: 'Bearer gw-key', 'content-type': 'text/plain' }, body: CHAT });
    expect(form.status).toBe(403);
    expect(errorOf(form).code).toBe('form_content_type');
    expect(upstream.requests).toHaveLength(0);
  });

  it('still serves the openai SDK with its key', async () => {
    const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'gw-key', maxRetries: 0 });
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!HAS_CHROMIUM)('in a real browser (headless Chromium)', () => {
  let browser: Browser;
  let site: Server;
  let siteOrigin: string;
  let open: TestGateway;
  let withCors: TestGateway;

  beforeAll(async () => {
    // Another site: a blank page on localhost, cross-site to a gateway on 127.0.0.1.
    site = createServer((_request, response) => response.end('<!doctype html><title>another site</title>'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    open = await startGateway(testConfig(upstream.url));
    withCors = await startGateway(testConfig(upstream.url, `server:\n  api_keys: ["gw-key"]\n  cors: { allowed_origins: ["${siteOrigin}"] }\n`));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    await open?.close();
    await withCors?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it('a page on another site cannot spend through the gateway (no-cors fetch, a text/plain form) nor read it', async () => {
    upstream.requests.length = 0;
    const page = await browser.newPage();
    try {
      await page.goto(`${siteOrigin}/`);
      // In the page (a string: the tests are typed without the DOM library).
      const read = await page.evaluate(`(async (gateway, body) => {
        await fetch(gateway + '/v1/chat/completions', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
        // The classic one: a form that posts JSON-looking text/plain into a hidden frame.
        const frame = document.createElement('iframe');
        frame.name = 'sink';
        document.body.append(frame);
        const form = document.createElement('form');
        form.method = 'POST';
        form.enctype = 'text/plain';
        form.action = gateway + '/v1/chat/completions';
        form.target = 'sink';
        const input = document.createElement('input');
        // Sent as name=value: {"model":...,"pad":"="} is valid JSON.
        input.name = body.slice(0, -1) + ',"pad":"';
        input.value = '"}';
        form.append(input);
        document.body.append(form);
        const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
        form.submit();
        await loaded;
        return fetch(gateway + '/v1/traces').then(() => 'read', () => 'blocked');
      })(${JSON.stringify(open.url)}, ${JSON.stringify(CHAT)})`);
      expect(read).toBe('blocked');
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await page.close();
    }
  }, 20_000);

  it('a web app on an allowed origin calls the API with its key and reads the contract headers', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${siteOrigin}/`);
      const result = await page.evaluate(
        async ({ gateway, body }) => {
          const response = await fetch(`${gateway}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer gw-key', 'content-type': 'application/json' }, body });
          return { status: response.status, model: response.headers.get('x-switchyard-model'), traceId: response.headers.get('x-switchyard-trace-id'), body: ((await response.json()) as { model: string }).model };
        },
        { gateway: withCors.url, body: CHAT },
      );
      expect(result).toEqual({ status: 200, model: 'cheap', traceId: expect.any(String), body: 'cheap' });
    } finally {
      await page.close();
    }
  }, 20_000);
});

describe('the CLI', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'switchyard-auth-'));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), env, cwd: directory };
    return { code: await runCli(args, io), out, err };
  }

  /** `switchyard serve` (the built binary) until it has logged what it says after listening. */
  async function serveLog(config: string): Promise<string> {
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve', '--config', config, '--port', '0'], {
      cwd: directory,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      return await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (/authentication is off|NO AUTHENTICATION/.test(output)) resolve(output);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
        setTimeout(() => resolve(output), 8_000).unref();
      });
    } finally {
      child.kill('SIGTERM');
    }
  }

  it('check-config fails, naming the file, line and key, when a gateway key variable is unset', async () => {
    const file = join(directory, 'unset-key.yaml');
    writeFileSync(file, `server:\n  api_keys: ["\${SWITCHYARD_API_KEY}"]\n${testConfig(upstream.url)}`);
    const failed = await run(['check-config', file]);
    expect(failed.code).toBe(1);
    expect(failed.out).toBe('');
    expect(failed.err).toContain(`${file}:2:14: server.api_keys.0: environment variable SWITCHYARD_API_KEY is not set, so this gateway key would be empty; expected a key`);
    // serve refuses to start the same way.
    const served = await run(['serve', '--config', file, '--port', '0']);
    expect(served.code).toBe(1);
    expect(served.err).toContain('server.api_keys.0: environment variable SWITCHYARD_API_KEY is not set');

    const keyed = await run(['check-config', file], { SWITCHYARD_API_KEY: 'k' });
    expect(keyed.code).toBe(0);
    expect(keyed.out).toMatch(/auth: +1 API key required/);
    expect(keyed.out).not.toContain('AUTHENTICATION');
  });

  it('check-config says when the gateway will run open', async () => {
    const file = join(directory, 'open.yaml');
    writeFileSync(file, testConfig(upstream.url));
    const open = await run(['check-config', file]);
    expect(open.code).toBe(0);
    expect(open.out).toMatch(/auth: +none\n/);
    expect(open.out).toContain('warning: NO AUTHENTICATION: server.api_keys is empty, so any program on this machine that reaches http://127.0.0.1:8787 can spend');
  });

  it('serve warns loudly when it runs without keys, and states an explicit auth: none', async () => {
    const open = join(directory, 'serve-open.yaml');
    writeFileSync(open, `storage: { path: ":memory:" }\n${testConfig(upstream.url)}`);
    const declared = join(directory, 'serve-none.yaml');
    writeFileSync(declared, `server: { auth: none }\nstorage: { path: ":memory:" }\n${testConfig(upstream.url)}`);
    const [openLog, declaredLog] = await Promise.all([serveLog(open), serveLog(declared)]);
    const warning = (log: string): { level: number; msg: string; auth: string } | undefined =>
      log
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string; auth: string })
        .find((line) => /AUTHENTICATION|authentication is off/.test(line.msg));
    expect(warning(openLog)).toMatchObject({ level: 40, auth: 'api_keys', msg: expect.stringMatching(/^NO AUTHENTICATION: server\.api_keys is empty, so any program on this machine that reaches http:\/\/127\.0\.0\.1:\d+ can spend your provider credits and read every trace\. Set server\.api_keys/) });
    expect(warning(declaredLog)).toMatchObject({ level: 40, auth: 'none', msg: expect.stringMatching(/^authentication is off \(server\.auth: none\): any program on this machine/) });
  }, 20_000);
});
