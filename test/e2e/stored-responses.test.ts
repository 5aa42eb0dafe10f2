import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseOwner } from '../../src/server/responses/response-owner.js';
import type { StoredResponse } from '../../src/telemetry/response-store.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

/**
 * `GET` and `DELETE /v1/responses/{id}` with the real `openai` client: a stored response comes back
 * as it was sent, to its owner only (the caller's gateway key), and survives a restart of the gateway
 * on the same storage file. Responses are put in the store directly: the `POST` edge is tested on its own.
 */

let upstream: FakeUpstream;
let dir: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'switchyard-stored-responses-'));
});

afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function stored(id: string, owner: string | undefined): StoredResponse {
  return {
    id,
    traceId: `trace-of-${id}`,
    createdAt: Date.now(),
    owner,
    input: [{ role: 'user', content: 'Say hi.' }],
    response: {
      id,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: 'completed',
      model: 'cheap',
      output: [{ type: 'message', id: `msg_${id}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: `hi from ${id}`, annotations: [] }] }],
      usage: { input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 5 },
    },
  };
}

const ownerOf = (key: string): string | undefined => responseOwner({ kind: 'static' }, { authorization: `Bearer ${key}` });

describe('stored responses without gateway keys', () => {
  let gateway: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gateway = await startGateway(testConfig(upstream.url));
    client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  it('answers a stored response as it was sent, on /v1/responses/{id} and /responses/{id}', async () => {
    const kept = stored('resp_plain', undefined);
    gateway.gateway.store.putResponse(kept);
    const retrieved = await client.responses.retrieve('resp_plain');
    expect(retrieved).toMatchObject(kept.response);
    expect(retrieved.output_text).toBe('hi from resp_plain');
    const raw = await fetch(`${gateway.url}/responses/resp_plain`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('x-switchyard-trace-id')).toBe('trace-of-resp_plain');
    expect(await raw.json()).toEqual(kept.response);
  });

  it('answers an unknown id with a 404 in OpenAI shape, and refuses to stream a stored one', async () => {
    const raw = await fetch(`${gateway.baseURL}/responses/resp_nope`);
    expect(raw.status).toBe(404);
    expect(await raw.json()).toEqual({ error: { message: 'Response with id "resp_nope" not found.', type: 'invalid_request_error', param: null, code: null } });
    await expect(client.responses.retrieve('resp_nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    gateway.gateway.store.putResponse(stored('resp_streamed', undefined));
    const streamed = await fetch(`${gateway.baseURL}/responses/resp_streamed?stream=true`);
    expect(streamed.status).toBe(400);
    expect(((await streamed.json()) as { error: { param: string } }).error.param).toBe('stream');
  });

  it('deletes a stored response once: then it is a 404, and deleting it again too', async () => {
    gateway.gateway.store.putResponse(stored('resp_doomed', undefined));
    const raw = await fetch(`${gateway.baseURL}/responses/resp_doomed`, { method: 'DELETE' });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ id: 'resp_doomed', object: 'response', deleted: true });
    await expect(client.responses.retrieve('resp_doomed')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.responses.delete('resp_doomed')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // The server still serves.
    gateway.gateway.store.putResponse(stored('resp_after', undefined));
    await client.responses.delete('resp_after');
    await expect(client.responses.retrieve('resp_after')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('stored responses with gateway keys', () => {
  let gateway: TestGateway;
  const as = (key: string): OpenAI => new OpenAI({ baseURL: gateway.baseURL, apiKey: key, maxRetries: 0 });
  beforeAll(async () => {
    gateway = await startGateway(testConfig(upstream.url, 'server:\n  api_keys: ["key-alice", "key-bob"]\n'));
  });
  afterAll(() => gateway.close());

  it("serves a response to the key that stored it only: another caller's key gets the same 404 as an unknown id", async () => {
    const alices = stored('resp_alice', ownerOf('key-alice'));
    gateway.gateway.store.putResponse(alices);
    expect(await as('key-alice').responses.retrieve('resp_alice')).toMatchObject(alices.response);
    const bob = await fetch(`${gateway.baseURL}/responses/resp_alice`, { headers: { authorization: 'Bearer key-bob' } });
    expect(bob.status).toBe(404);
    expect(await bob.json()).toEqual({ error: { message: 'Response with id "resp_alice" not found.', type: 'invalid_request_error', param: null, code: null } });
    // Anthropic SDKs' header names the same caller.
    const viaApiKey = await fetch(`${gateway.baseURL}/responses/resp_alice`, { headers: { 'x-api-key': 'key-alice' } });
    expect(viaApiKey.status).toBe(200);
  });

  it("does not let another caller delete a response, nor anyone without a valid key read or delete it", async () => {
    gateway.gateway.store.putResponse(stored('resp_kept', ownerOf('key-alice')));
    await expect(as('key-bob').responses.delete('resp_kept')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    for (const method of ['GET', 'DELETE']) {
      expect((await fetch(`${gateway.baseURL}/responses/resp_kept`, { method })).status).toBe(401);
      expect((await fetch(`${gateway.url}/responses/resp_kept`, { method, headers: { authorization: 'Bearer key-mallory' } })).status).toBe(401);
    }
    expect((await as('key-alice').responses.retrieve('resp_kept')).id).toBe('resp_kept');
    await as('key-alice').responses.delete('resp_kept');
    await expect(as('key-alice').responses.retrieve('resp_kept')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('stored responses across a restart', () => {
  it('reads back, after the gateway restarts on the same storage file, a response stored before', async () => {
    const yaml = `storage:\n  path: "${join(dir, 'restart.db')}"\n${testConfig(upstream.url, 'server:\n  api_keys: ["key-alice"]\n')}`;
    const first = await startGateway(yaml, {}, { store: true });
    first.gateway.store.putResponse(stored('resp_durable', ownerOf('key-alice')));
    await first.close();
    const second = await startGateway(yaml, {}, { store: true });
    try {
      const client = new OpenAI({ baseURL: second.baseURL, apiKey: 'key-alice', maxRetries: 0 });
      expect((await client.responses.retrieve('resp_durable')).output_text).toBe('hi from resp_durable');
    } finally {
      await second.close();
    }
  });
});

describe('stored responses through the Responses edge', () => {
  let gateway: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gateway = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test", retry: { max_attempts: 1 } }
models:
  cheap:    { provider: fake, model: cheap-wire, price: { input: 0.15, output: 0.6 } }
  coder:    { provider: fake, model: coder-wire, price: { input: 0.27, output: 1.1 } }
  searcher: { provider: fake, model: searcher-wire, price: { input: 1, output: 2 }, capabilities: { builtin_tools: true } }
routers:
  search:
    routes:
      both: { when: { metadata: { plan: both } }, target: { fallback: [cheap, searcher] } }
    default: { fallback: [cheap, coder] }
`);
    client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  it('keeps what POST /v1/responses answered, until it is deleted; store: false keeps nothing', async () => {
    const created = await client.responses.create({ model: 'cheap', input: 'Say hi.' });
    expect(await client.responses.retrieve(created.id)).toEqual(created);
    await client.responses.delete(created.id);
    await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.responses.create({ model: 'cheap', input: 'And again?', previous_response_id: created.id })).rejects.toMatchObject({ status: 404 });
    const unstored = await client.responses.create({ model: 'cheap', input: 'Forget me.', store: false });
    await expect(client.responses.retrieve(unstored.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('sends a request with web_search to the model that runs built-in tools, and still serves one when no model does', async () => {
    const traceOf = async (id: string | null): Promise<{ decision: { candidates: { model: string; note?: string }[]; filtered: { model: string; reason: string }[] } }> =>
      (await (await fetch(`${gateway.baseURL}/traces/${id ?? ''}`)).json()) as never;

    const routed = await client.responses.create({ model: 'search', input: 'News?', tools: [{ type: 'web_search' }], metadata: { plan: 'both' } }).withResponse();
    expect(routed.data.model).toBe('searcher');
    const chosen = await traceOf(routed.response.headers.get('x-switchyard-trace-id'));
    expect(chosen.decision.filtered).toEqual([expect.objectContaining({ model: 'cheap', reason: 'capability' })]);

    const dropped = await client.responses.create({ model: 'search', input: 'News?', tools: [{ type: 'web_search' }] }).withResponse();
    expect(dropped.data.model).toBe('cheap');
    const kept = await traceOf(dropped.response.headers.get('x-switchyard-trace-id'));
    expect(kept.decision.filtered).toEqual([]);
    expect(kept.decision.candidates.map((candidate) => candidate.note)).toEqual([expect.stringContaining('web_search'), expect.stringContaining('web_search')]);
  });
});
