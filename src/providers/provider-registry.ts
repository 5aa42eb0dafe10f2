import type { z } from 'zod';
import { InternalError } from '../errors/request-errors.js';
import type { Provider } from '../spec/provider.js';
import type { ProviderConfig } from './provider-config.js';
import type { ProviderDefinition, ProviderResolveContext, SharedProviderSettings } from './provider-definition.js';
import { anthropicProvider } from './anthropic/anthropic-provider-definition.js';
import { geminiProvider } from './gemini/gemini-provider-definition.js';
import { mockProvider } from './mock/mock-provider-definition.js';
import { openaiProvider } from './openai/openai-provider-definition.js';

/** Every provider `type`, one line each: the only place that knows which adapters exist. */
export const PROVIDERS = [openaiProvider, anthropicProvider, geminiProvider, mockProvider] as const;

/** Any definition, seen through its `type` only (the registry pairs each entry with its own definition). */
type LooseDefinition = ProviderDefinition<string, z.ZodRawShape, ProviderConfig>;

function definitionOf(type: string): LooseDefinition {
  const definition = PROVIDERS.find((candidate) => candidate.type === type);
  // The entry schema admits only the types above, so a miss is a bug, not a config error.
  if (!definition) throw new InternalError(`no provider definition for type "${type}"`);
  // Each definition's `resolve` and `create` take its own members; TypeScript cannot follow `type` through the lookup.
  return definition as unknown as LooseDefinition;
}

/** A checked `providers:` entry → its settings, through its type's definition. */
export function resolveProvider(entry: { type: string }, shared: SharedProviderSettings, context: ProviderResolveContext): ProviderConfig {
  return { ...shared, ...definitionOf(entry.type).resolve(entry, context) } as ProviderConfig;
}

export function createProvider(config: ProviderConfig): Provider {
  return definitionOf(config.type).create(config);
}
