/**
 * The config of the shadow and drift tests: one fake upstream serving a cheap, a strong and a judge
 * model, and a router `auto` whose default is the cheap one, followed by `routerTail` (its `shadow:`, or more config).
 */
export function judgedModelsConfig(upstreamUrl: string, storage: string, routerTail: string): string {
  return `
storage: ${storage}
providers:
  fake: { type: openai, base_url: "${upstreamUrl}", api_key: "sk-test", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 }, context_window: 128000 }
  judge:  { provider: fake, model: judge-wire,  price: { input: 0.5, output: 1 }, context_window: 128000 }
routers:
  auto:
    default: cheap
${routerTail}`;
}
