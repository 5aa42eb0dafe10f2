import type { ProviderBase } from '../../spec/provider.js';

/** A `type: openai` provider, resolved: OpenAI itself or any vendor that speaks its wire format. */
export type OpenAIProviderConfig = ProviderBase & {
  type: 'openai';
  baseUrl: string;
  /** Never logged, traced or returned; see providers/<name>/ for the only places that read it. */
  apiKey: string | undefined;
  headers: Readonly<Record<string, string>>;
  maxConnections: number;
  maxResponseBytes: number;
};
