import type { ProviderBase } from '../../spec/provider.js';

/** A `type: anthropic` provider, resolved: Anthropic's native Messages API. */
export type AnthropicProviderConfig = ProviderBase & {
  type: 'anthropic';
  /** Without /v1. */
  baseUrl: string;
  /** Never logged, traced or returned; only this folder reads it. */
  apiKey: string | undefined;
  /** The `anthropic-version` header. */
  version: string;
  promptCaching: 'auto' | 'off';
  headers: Readonly<Record<string, string>>;
  maxConnections: number;
  maxResponseBytes: number;
};
