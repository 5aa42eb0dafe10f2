import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import type { ToolDefinition } from '../spec/chat-request.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { Step } from '../spec/step.js';
import { Routing } from './routing.js';

/** OpenAI's built-in tools through routing, from a config whose models say `capabilities: { builtin_tools: true }`. */

const modelsOf = (steps: readonly Step[]): string[] => steps.flatMap((step) => step.specs.map((spec) => spec.name));

const CONFIG = `
providers:
  main: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: k }
models:
  plain:     { provider: main, price: { input: 1, output: 1 } }
  searcher:  { provider: main, price: { input: 2, output: 2 }, capabilities: { builtin_tools: true } }
  other:     { provider: main, price: { input: 1, output: 1 } }
routers:
  auto:
    routes:
      search: { when: { metadata: { task: search } }, target: { fallback: [plain, searcher] } }
      casual: { when: { metadata: { task: casual } }, target: { fallback: [plain, other] } }
    default: plain
`;

const routing = new Routing(parseConfig(CONFIG, 'test.yaml', { env: {} }));
const WEB_SEARCH: ToolDefinition[] = [{ type: 'web_search' }, { type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
const request = (task: string, tools: ToolDefinition[] = WEB_SEARCH) => createChatRequest('auto', 'What happened today?', { dialect: 'responses', tools, metadata: { task } });

describe('routing a Responses request that declares built-in tools', () => {
  it('sends it to the model that runs them, the others filtered with the reason in the Decision', async () => {
    const { decision, steps } = await routing.route(request('search'));
    expect(modelsOf(steps)).toEqual(['searcher']);
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual(['searcher']);
    expect(decision.filtered).toEqual([
      { model: 'plain', reason: 'capability', detail: 'the request declares built-in tools (web_search), which "plain" does not run (capabilities.builtin_tools)' },
    ]);
  });

  it('keeps every model when none runs them, the Decision noting that the tools are dropped: the request is never refused for them', async () => {
    const { decision, steps } = await routing.route(request('casual'));
    expect(modelsOf(steps)).toEqual(['plain', 'other']);
    expect(decision.filtered).toEqual([]);
    expect(decision.candidates.map((candidate) => candidate.note)).toEqual([
      "tried without the request's built-in tools (web_search): no model of the plan runs them (capabilities.builtin_tools), so they are dropped",
      "tried without the request's built-in tools (web_search): no model of the plan runs them (capabilities.builtin_tools), so they are dropped",
    ]);
  });

  it('routes as before without built-in tools', async () => {
    const { decision, steps } = await routing.route(request('search', [{ type: 'function', function: { name: 'lookup' } }]));
    expect(modelsOf(steps)).toEqual(['plain', 'searcher']);
    expect(decision.filtered).toEqual([]);
    expect(decision.candidates.every((candidate) => candidate.note === undefined)).toBe(true);
  });
});
