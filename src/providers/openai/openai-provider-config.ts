import type { ModelApi } from '../../spec/model-spec.js';
import type { ProviderBase } from '../../spec/provider.js';

/** A `type: openai` provider, resolved: OpenAI itself or any vendor that speaks its wire format. */
export type OpenAIProviderConfig = ProviderBase & {
  type: 'openai';
  baseUrl: string;
  /** Never logged, traced or returned; see providers/<name>/ for the only places that read it. */
  apiKey: string | undefined;
  headers: Readonly<Record<string, string>>;
  /** The API its models are called through unless their own `api` says otherwise. */
  api: ModelApi;
  maxConnections: number;
  maxResponseBytes: number;
};
