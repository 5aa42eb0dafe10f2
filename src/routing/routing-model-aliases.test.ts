import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { NotFoundError } from '../errors/request-errors.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import { Routing } from './routing.js';

// `model_aliases` and the agent-traffic conditions, through the router core.

const CONFIG = `
providers:
  fake: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-x" }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 } }
  coder:  { provider: fake, model: coder-wire,  price: { input: 0.27, output: 1.1 } }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 } }
routers:
  auto:
    routes:
      background: { when: { requested_model: "claude-*haiku*" }, target: cheap }
      tools:      { when: { has_tools: true }, target: coder }
    default: strong
model_aliases:
  "gpt-4o-mini": cheap
  "claude-*": auto
  "*": strong
`;

const routing = new Routing(parseConfig(CONFIG, 'test.yaml', { env: {} }));
const tool = { type: 'function', function: { name: 'read_file' } };

describe('model_aliases in routing', () => {
  it('sends a name matching an alias to its router, which routes on the name the client sent', async () => {
    const { decision } = await routing.route(createChatRequest('claude-3-5-haiku-latest', 'hi'));
    expect(decision).toMatchObject({ requested: 'claude-3-5-haiku-latest', router: 'auto', route: 'background', signals: [{ signal: 'requested_model', route: 'background', glob: 'claude-*haiku*' }] });
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual(['cheap']);
  });

  it('routes an aliased request with tools by has_tools, and the rest to the default', async () => {
    const withTools = await routing.route(createChatRequest('claude-opus-4-8', 'hi', { tools: [tool] }));
    expect(withTools.decision).toMatchObject({ requested: 'claude-opus-4-8', router: 'auto', route: 'tools', signals: [{ signal: 'has_tools', route: 'tools', value: true }] });
    const plain = await routing.route(createChatRequest('claude-opus-4-8', 'hi'));
    expect(plain.decision).toMatchObject({ requested: 'claude-opus-4-8', router: 'auto', route: 'default', signals: [] });
    expect(plain.decision.candidates.map((candidate) => candidate.model)).toEqual(['strong']);
  });

  it('sends a name aliased to a model straight to that model', async () => {
    const { decision } = await routing.route(createChatRequest('gpt-4o-mini', 'hi'));
    expect(decision).toMatchObject({ requested: 'gpt-4o-mini', router: null, policy: 'direct' });
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual(['cheap']);
  });

  it('serves an exact router or model name as such, though a glob (`*`) matches it too', async () => {
    expect((await routing.route(createChatRequest('auto', 'hi'))).decision).toMatchObject({ requested: 'auto', router: 'auto', route: 'default' });
    const direct = (await routing.route(createChatRequest('coder', 'hi'))).decision;
    expect(direct).toMatchObject({ requested: 'coder', router: null, policy: 'direct' });
    expect(direct.candidates.map((candidate) => candidate.model)).toEqual(['coder']);
  });

  it('takes the first alias that matches, in the order written', async () => {
    const { decision } = await routing.route(createChatRequest('some-other-model', 'hi'));
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual(['strong']);
    expect(decision.router).toBeNull();
  });

  it('still answers model_not_found for a name no alias matches', async () => {
    const bare = new Routing(parseConfig(CONFIG.replace('  "*": strong\n', ''), 'test.yaml', { env: {} }));
    await expect(bare.route(createChatRequest('gemini-2.5-pro', 'hi'))).rejects.toThrow(NotFoundError);
    await expect(bare.route(createChatRequest('gemini-2.5-pro', 'hi'))).rejects.toThrow(/The model "gemini-2.5-pro" does not exist/);
  });
});
