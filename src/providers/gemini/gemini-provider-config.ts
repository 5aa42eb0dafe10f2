import type { ProviderBase } from '../../spec/provider.js';

/** A `type: gemini` provider, resolved: Google's native Gemini API (generateContent). */
export type GeminiProviderConfig = ProviderBase & {
  type: 'gemini';
  /** With the API version (`.../v1beta`). */
  baseUrl: string;
  /** Never logged, traced or returned; only this folder reads it. */
  apiKey: string | undefined;
  headers: Readonly<Record<string, string>>;
  maxConnections: number;
  maxResponseBytes: number;
};
